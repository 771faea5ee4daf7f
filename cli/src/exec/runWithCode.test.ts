import { describe, expect, it } from "vitest";
import { commandEnv, runWithCode, withoutNames } from "./runWithCode.js";

describe("commandEnv", () => {
  it("sets the code under every name and removes the link secrets", () => {
    const env = commandEnv(
      {
        PATH: "/bin",
        COUNTERSIGN_URL: "https://x/api/v1/otp/cs_x",
        COUNTERSIGN_URL_FILE: "/run/secrets/link",
        COUNTERSIGN_TOKEN: "cs_y",
        COUNTERSIGN_ID_TOKEN: "eyJ",
        ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example",
        NPM_CONFIG_OTP: "old",
      },
      "123456",
    );
    expect(env).toEqual({
      PATH: "/bin",
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example",
      NPM_CONFIG_OTP: "123456",
      PNPM_CONFIG_OTP: "123456",
      GEM_HOST_OTP_CODE: "123456",
      COUNTERSIGN_OTP: "123456",
    });
  });
});

describe("withoutNames", () => {
  it("drops the variables about to be set, in any case, and keeps the rest", () => {
    expect(
      withoutNames(
        { NPM_CONFIG_REGISTRY: "a", npm_config_registry: "b", Pnpm_Config_Registry: "c", PATH: "/bin" },
        { npm_config_registry: "x", pnpm_config_registry: "y" },
      ),
    ).toEqual({ PATH: "/bin" });
  });
});

describe("runWithCode", () => {
  it("runs the command with the code and returns its exit status", async () => {
    const script =
      "process.exit(process.env.NPM_CONFIG_OTP === '123456' && process.env.GEM_HOST_OTP_CODE === '123456' && process.env.COUNTERSIGN_OTP === '123456' && !process.env.COUNTERSIGN_URL ? 7 : 1)";
    const result = await runWithCode([process.execPath, "-e", script], "123456", {
      PATH: process.env.PATH,
      COUNTERSIGN_URL: "https://x/api/v1/otp/cs_abcdefghijklmnopqrstuvwxyz012345",
    });
    expect(result).toEqual({ kind: "exited", exitCode: 7 });
  });

  it("passes arguments verbatim, shell metacharacters included: no shell runs the command", async () => {
    const args = ["a&b", "|", "$(whoami)", "%PATH%", '"quoted"', "*", "; rm -rf x", "`id`"];
    const script = "process.exit(JSON.stringify(process.argv.slice(1)) === process.env.EXPECTED ? 0 : 1)";
    const result = await runWithCode([process.execPath, "-e", script, ...args], "1", {
      PATH: process.env.PATH,
      EXPECTED: JSON.stringify(args),
    });
    expect(result).toEqual({ kind: "exited", exitCode: 0 });
  });

  it("reports 128 + signal for a command killed by a signal", async () => {
    const result = await runWithCode(
      [process.execPath, "-e", "process.kill(process.pid, 'SIGTERM')"],
      "1",
      process.env,
    );
    expect(result).toEqual({ kind: "exited", exitCode: 143 });
  });

  it("reports a command that does not exist", async () => {
    const result = await runWithCode(["countersign-no-such-command-xyz"], "1", process.env);
    expect(result).toEqual({ kind: "spawn-failed", message: "Command not found: countersign-no-such-command-xyz" });
  });
});
