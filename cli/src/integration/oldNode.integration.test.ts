import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type BinRun, collectOutput } from "../testing/runBin.js";

/** The bin as npm links it (`countersign` → cli/bin/countersign.js). */
const BIN = fileURLToPath(new URL("../../bin/countersign.js", import.meta.url));

/**
 * Makes this Node look like Node 18 to the program it runs: `process.versions.node` says
 * 18.20.4 and there is no global WebCrypto (`crypto`), which Node 18 has only behind a flag —
 * what made the CLI die with "crypto is not defined" there.
 */
const AS_NODE_18 =
  'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"18.20.4"});delete globalThis.crypto;';

function run(args: string[]): Promise<BinRun> {
  const child = spawn(process.execPath, ["--import", AS_NODE_18, BIN, ...args], {
    env: {
      PATH: process.env.PATH,
      // A link nobody answers: without the version check the CLI would get as far as asking.
      COUNTERSIGN_URL: "http://127.0.0.1:9/api/v1/otp/cs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return collectOutput(child).done;
}

describe("countersign on an unsupported Node", () => {
  it("says so in one line and exits 2, before the CLI's modules run", async () => {
    const result = await run(["otp", "--wait", "1"]);
    expect(result.stderr).toBe(
      "countersign: Node 18.20.4 is too old; countersign needs Node 20.19.0 or newer (actions/setup-node with node-version: 22, or image node:22).\n",
    );
    expect(result.stdout).toBe("");
    expect(result.exitCode).toBe(2);
  });

  it("runs on this Node", async () => {
    const { exitCode, stdout } = await collectOutput(
      spawn(process.execPath, [BIN, "--version"], { stdio: ["ignore", "pipe", "pipe"] }),
    ).done;
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
