import { constants } from "node:os";
import spawn from "cross-spawn";

const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

/**
 * The parent's environment without what only countersign needs: the link
 * (and where it is kept) and the OIDC token meant for Countersign. The CI's
 * own OIDC request variables stay: `npm publish --provenance` uses them.
 */
export function withoutLink(parentEnv: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...parentEnv };
  delete env.COUNTERSIGN_URL;
  delete env.COUNTERSIGN_URL_FILE;
  delete env.COUNTERSIGN_TOKEN;
  delete env.COUNTERSIGN_ID_TOKEN;
  return env;
}

/**
 * The environment without the variables `replace` sets, in any case: npm and
 * Yarn read `NPM_CONFIG_REGISTRY` and `npm_config_registry` alike (the last
 * one wins), pnpm 12 prefers the upper-case one.
 */
export function withoutNames(env: NodeJS.ProcessEnv, replace: Record<string, string>): NodeJS.ProcessEnv {
  const names = new Set(Object.keys(replace).map((name) => name.toLowerCase()));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.has(name.toLowerCase())));
}

/**
 * Environment for a command given a code before it starts: the code under
 * every name a client reads (npm 11/12 and pnpm 10: NPM_CONFIG_OTP; pnpm 12:
 * PNPM_CONFIG_OTP; RubyGems: GEM_HOST_OTP_CODE), and no link secret.
 */
export function commandEnv(parentEnv: NodeJS.ProcessEnv, otp: string): NodeJS.ProcessEnv {
  return {
    ...withoutLink(parentEnv),
    NPM_CONFIG_OTP: otp,
    PNPM_CONFIG_OTP: otp,
    GEM_HOST_OTP_CODE: otp,
    COUNTERSIGN_OTP: otp,
  };
}

export type RunResult = { kind: "exited"; exitCode: number } | { kind: "spawn-failed"; message: string };

/** Runs `argv` with the code in its environment (see commandEnv and runCommand). */
export function runWithCode(
  argv: string[],
  otp: string,
  parentEnv: NodeJS.ProcessEnv = process.env,
): Promise<RunResult> {
  return runCommand(argv, commandEnv(parentEnv, otp));
}

/**
 * Runs `argv` with stdio inherited and the given environment; resolves with
 * the status to exit with (128 + signal number if it was killed).
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to this process are passed on to it.
 */
export function runCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const [command, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: "inherit",
      env,
      // No shell on any platform: arguments reach the command as given. On Windows, where npm and
      // friends are .cmd shims, cross-spawn finds them on PATH and escapes each argument for cmd.exe.
    });
    const forward = (signal: NodeJS.Signals) => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const cleanup = () => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      cleanup();
      const message =
        error.code === "ENOENT" ? `Command not found: ${command}` : `Could not start ${command}: ${error.message}`;
      resolve({ kind: "spawn-failed", message });
    });
    child.once("exit", (code, signal) => {
      cleanup();
      const exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);
      resolve({ kind: "exited", exitCode });
    });
  });
}
