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
 * `node bench/dist/bench/src/profileSummary.js <file>`).
 */
export function startServerProcess(
  options: { env?: Record<string, string>; dataDir?: string; host?: string } = {},
): Promise<ServerProcess> {
  return startServer({
    host: options.host ?? "127.0.0.1",
    setupCode: "BENCH-PROC-SETU-P234",
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    env: { HOST: "127.0.0.1", COUNTERSIGN_LOG_LEVEL: "warn", ...cpuProfileEnv(), ...options.env },
  });
}

function cpuProfileEnv(): Record<string, string> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return {};
  const preload = new URL("./cpuProfile.js", import.meta.url).href;
  return { BENCH_CPU_PROF: dir, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${preload}`.trim() };
}
