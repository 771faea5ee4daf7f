import { type ServerHandle, startServer } from "../../../e2e/helpers/server.js";

export { REPO_ROOT } from "../../../e2e/helpers/paths.js";
export { freePort } from "../../../e2e/helpers/server.js";

/** The real standalone server (functions/dist/standalone/main.js) as a child process. */
export type ServerProcess = ServerHandle;

/**
 * The e2e suite's server launcher with the benchmarks' defaults: bound to
 * 127.0.0.1, an origin on 127.0.0.1 unless `host` says otherwise (the PWA
 * benchmark wants localhost), and logging at "warn" so the logs cost nothing.
 * With BENCH_CPU_PROF=<dir> the server is profiled (lib/cpuProfile.ts) and
 * writes a .cpuprofile into that directory when it stops (summarise it with
 * `node bench/dist/bench/src/profileSummary.js <file>`). BENCH_SERVER_NODE_OPTIONS
 * adds Node options (V8 flags such as `--max-semi-space-size=2`) to the
 * server's NODE_OPTIONS only, not to the benchmark's own process.
 */
export function startServerProcess(
  options: { env?: Record<string, string>; dataDir?: string; host?: string } = {},
): Promise<ServerProcess> {
  return startServer({
    host: options.host ?? "127.0.0.1",
    setupCode: "BENCH-PROC-SETU-P234",
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    env: { HOST: "127.0.0.1", COUNTERSIGN_LOG_LEVEL: "warn", ...nodeOptionsEnv(), ...options.env },
  });
}

/** BENCH_SERVER_NODE_OPTIONS as a list: the Node options of every server a benchmark starts (lib/forkServer.ts too). */
export function benchServerNodeOptions(): string[] {
  return (process.env.BENCH_SERVER_NODE_OPTIONS ?? "").split(/\s+/).filter(Boolean);
}

/** The relay's own Node options: BENCH_SERVER_NODE_OPTIONS, and the profiler's preload with BENCH_CPU_PROF. */
function serverNodeOptions(): string[] {
  const options = benchServerNodeOptions();
  if (process.env.BENCH_CPU_PROF) options.push(`--import=${new URL("./cpuProfile.js", import.meta.url).href}`);
  return options;
}

function nodeOptionsEnv(): Record<string, string> {
  const options = serverNodeOptions();
  if (!options.length) return {};
  return {
    ...(process.env.BENCH_CPU_PROF ? { BENCH_CPU_PROF: process.env.BENCH_CPU_PROF } : {}),
    NODE_OPTIONS: [process.env.NODE_OPTIONS ?? "", ...options].join(" ").trim(),
  };
}
