import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

/**
 * Loaded into the server with `--import` when BENCH_CPU_PROF is set (Node 20
 * refuses `--cpu-prof` in NODE_OPTIONS): profiles the whole process through
 * the inspector and writes <BENCH_CPU_PROF>/relay-<pid>.cpuprofile on exit.
 */
const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  process.on("exit", () => {
    // An in-thread session answers synchronously, so this runs to the end before the process goes.
    session.post("Profiler.stop", (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `relay-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
