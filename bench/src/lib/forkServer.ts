import { type ChildProcess, fork } from "node:child_process";
import { benchServerNodeOptions } from "./serverProcess.js";

/** A server the benchmark forked: where it listens and how to stop it. */
export interface ForkedServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * Forks one of the benchmarks' own servers (a module of bench/src/lib that
 * listens on 127.0.0.1 and reports its port over IPC) and waits for the port.
 * BENCH_SERVER_NODE_OPTIONS applies to it as to the relay (lib/serverProcess.ts).
 */
export async function forkServer(module: string, args: string[] = []): Promise<ForkedServer> {
  const child: ChildProcess = fork(new URL(module, import.meta.url), args, {
    stdio: "inherit",
    execArgv: [...process.execArgv, ...benchServerNodeOptions()],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${module} did not start within 10 s`)), 10_000);
    child.once("message", (message) => {
      clearTimeout(timer);
      resolve((message as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`${module} exited with ${code}`)));
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
