import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built CLI, as users run it. */
export const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

export interface BinRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** What a child process prints, as it prints it, and its exit once its streams close. */
export function collectOutput(child: ChildProcess) {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<BinRun>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
  return { done, stdout: () => stdout, stderr: () => stderr };
}

/** Spawns `node cli/dist/bin.js …` with exactly `env` (plus PATH); `stderr()` shows its progress so far. */
export function startBin(args: string[], env: Record<string, string>, cwd?: string, stdin?: string) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    cwd,
    stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (stdin !== undefined) child.stdin?.end(stdin);
  return { ...collectOutput(child), kill: (signal: NodeJS.Signals) => child.kill(signal) };
}

/** Runs the CLI to completion. */
export function runBin(args: string[], env: Record<string, string>, cwd?: string): Promise<BinRun> {
  return startBin(args, env, cwd).done;
}
