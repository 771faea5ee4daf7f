import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ApprovalView, generateTimedCodes } from "@countersign/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CURL_RECIPE } from "../../../web/src/ui/account/recipes.js";
import { appForFile } from "../testing/appSuite.js";

/**
 * Issue 18, item 13: every curl recipe the documentation and the app give is
 * run in bash (as GitHub Actions runs a step: -e, pipefail) against the real
 * server. npm is a stand-in that records what it was given: it must get the
 * code when the phone approves, and never run when the answer is not a code.
 */

const TOTP = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 } as const;
const root = join(import.meta.dirname, "..", "..", "..");

/** The recipes that feed npm: from `otp=$(curl` to `npm publish --otp="$otp"`, in each ```sh block. */
function documentedRecipes(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks.flatMap((block) =>
    [...block.matchAll(/^otp=\$\(curl[\s\S]*?npm publish --otp="\$otp"$/gm)].map((m) => m[0]),
  );
}

const recipes: [string, string][] = [
  ...documentedRecipes("README.md").map((r, i): [string, string] => [`README.md #${i + 1}`, r]),
  ...documentedRecipes("docs/api.md").map((r, i): [string, string] => [`docs/api.md #${i + 1}`, r]),
  ...documentedRecipes("docs/cli.md").map((r, i): [string, string] => [`docs/cli.md #${i + 1}`, r]),
  ["the app (recipes.ts)", CURL_RECIPE],
];

const relay = appForFile({
  config: { maxWaitSeconds: 3, maxPendingPerLink: 100, maxCallsPerAddressPerMinute: 10_000 },
});
let bin: string;

beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), "countersign-recipes-"));
  writeFileSync(join(bin, "npm"), '#!/bin/sh\nprintf "%s\\n" "$*" > "$NPM_ARGS"\n');
  chmodSync(join(bin, "npm"), 0o755);
});
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
});

function runStep(recipe: string): { npmArgs: string; done: Promise<{ code: number | null; stderr: string }> } {
  const npmArgs = join(bin, `args-${Math.random().toString(36).slice(2)}`);
  const child = spawn(
    "bash",
    ["--noprofile", "--norc", "-eo", "pipefail", "-c", recipe.replaceAll("https://otp.example.com", relay.app.url)],
    {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        COUNTERSIGN_URL: `${relay.app.url}/api/v1/otp/${relay.token}`,
        COUNTERSIGN_TOKEN: relay.token,
        NPM_ARGS: npmArgs,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stderr })),
  );
  return { npmArgs, done };
}

async function nextApproval(): Promise<ApprovalView> {
  for (let i = 0; i < 200; i++) {
    const list = (await relay.device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body;
    if (list.length > 0) return list[0] as ApprovalView;
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  throw new Error("no request reached the phone");
}

describe("the documented curl recipes", () => {
  it("are found: README, docs/api.md, docs/cli.md and the app; no unsafe form is left", () => {
    expect(recipes.map(([where]) => where)).toEqual([
      "README.md #1",
      "docs/api.md #1",
      "docs/api.md #2",
      "docs/cli.md #1",
      "the app (recipes.ts)",
    ]);
    for (const file of ["README.md", "docs/api.md", "docs/cli.md", "docs/app.md"]) {
      expect(readFileSync(join(root, file), "utf8"), file).not.toMatch(/--otp="\$\(curl/);
    }
    expect(CURL_RECIPE).not.toMatch(/--otp="\$\(curl/);
  });

  for (const [where, recipe] of recipes) {
    it(`${where}: approve publishes with the code; deny and timeout fail the step with the server's message`, async () => {
      const approved = runStep(recipe);
      const request = await nextApproval();
      const codes = await generateTimedCodes(TOTP, Date.now());
      await relay.device.call("POST", `/api/v1/approvals/${request.id}/answer`, { decision: "approve", codes });
      expect(await approved.done).toMatchObject({ code: 0 });
      expect(codes.map((c) => `publish --otp=${c.otp}\n`)).toContain(readFileSync(approved.npmArgs, "utf8"));

      const denied = runStep(recipe);
      const deniedRequest = await nextApproval();
      await relay.device.call("POST", `/api/v1/approvals/${deniedRequest.id}/answer`, { decision: "deny" });
      const deniedStep = await denied.done;
      expect(deniedStep.code).not.toBe(0);
      expect(deniedStep.stderr).toMatch(/Countersign: \{"error":"denied","message":"Denied on Pixel\."/);
      expect(existsSync(denied.npmArgs)).toBe(false);

      const waiting = runStep(recipe);
      const timedOut = await waiting.done;
      expect(timedOut.code).not.toBe(0);
      expect(timedOut.stderr).toMatch(/Countersign: \{"error":"timeout"/);
      expect(existsSync(waiting.npmArgs)).toBe(false);
      await relay.device.call("POST", `/api/v1/approvals/${(await nextApproval()).id}/answer`, { decision: "deny" });
    }, 30_000);
  }
});
