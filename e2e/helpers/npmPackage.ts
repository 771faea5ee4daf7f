import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalRegistry } from "../harness/registry.js";

/** A throwaway package directory set up to publish to the local registry. */
export function makePackage(registry: LocalRegistry, name: string, version: string): string {
  const dir = mkdtempSync(join(tmpdir(), "countersign-pkg-"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, version, description: "e2e", license: "MIT", files: ["index.js"] }),
  );
  writeFileSync(join(dir, "index.js"), "module.exports = 42;\n");
  writeFileSync(join(dir, ".npmrc"), registry.npmrc());
  return dir;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing its output; `onStdout`/`onStderr` see it as it arrives. */
export function runCommand(
  command: string,
  args: string[],
  options: {
    cwd: string;
    env?: Record<string, string | undefined>;
    onStderr?: (text: string) => void;
    onStdout?: (text: string) => void;
  },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      options.onStdout?.(String(chunk));
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      options.onStderr?.(String(chunk));
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Environment for npm in tests: no update checks, no audit, no user config leaking in. */
export function npmEnv(dir: string): Record<string, string> {
  return {
    npm_config_userconfig: join(dir, ".npmrc"),
    npm_config_update_notifier: "false",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_cache: join(dir, ".npm-cache"),
  };
}
