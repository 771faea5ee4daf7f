import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TotpParams } from "@countersign/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalRegistry, startRegistry } from "../../../e2e/harness/registry.js";
import { type PairedPhone, startPairedPhone } from "../testing/pairedPhone.js";
import { startBin } from "../testing/runBin.js";

/**
 * `countersign exec -- npm publish` as CI runs it (the built bin, real npm,
 * the real server, the e2e registry harness), the phone played by a test
 * device: the relay mode's wiring from the user's npm config to the exit
 * status. The app's side is in e2e/tests/exec*.spec.ts.
 */

const TOTP: TotpParams = { secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", algorithm: "SHA1", digits: 6, period: 30 };
const NPM = fileURLToPath(new URL("../../../node_modules/npm11/bin/npm-cli.js", import.meta.url));

describe("countersign exec in relay mode", () => {
  let phone: PairedPhone;
  let push: PairedPhone["push"];
  let device: PairedPhone["device"];
  let accountId: string;
  let registry: LocalRegistry;
  let root: string;

  beforeAll(async () => {
    phone = await startPairedPhone("alice");
    ({ push, device, accountId } = phone);
    registry = await startRegistry(TOTP, "npm_alice", {
      accounts: [{ token: "npm_bob", user: "bob", secondFactor: { type: "none" } }],
    });
    root = await mkdtemp(join(tmpdir(), "countersign-exec-relay-"));
  }, 30_000);

  afterAll(async () => {
    await phone?.close();
    await registry?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A package whose user config (as setup-node writes it) names the registry and a token variable. */
  async function publish(name: string, token: string, cliArgs: string[] = []) {
    const dir = await mkdtemp(join(root, "pkg-"));
    await writeFile(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", files: ["index.js"] }));
    await writeFile(join(dir, "index.js"), "module.exports = 1;\n");
    const userconfig = join(dir, "runner.npmrc");
    const host = new URL(registry.url).host;
    await writeFile(userconfig, `registry=${registry.url}\n//${host}/:_authToken=\${NODE_AUTH_TOKEN}\n`);
    const { url } = await device.createLink(accountId, `CI ${name}`);
    return startBin(
      ["exec", ...cliArgs, "--", process.execPath, NPM, "publish"],
      {
        HOME: dir,
        CI: "true",
        COUNTERSIGN_URL: url,
        NODE_AUTH_TOKEN: token,
        NPM_CONFIG_USERCONFIG: userconfig,
        npm_config_cache: join(dir, ".npm-cache"),
        npm_config_update_notifier: "false",
        npm_config_audit: "false",
        npm_config_fund: "false",
      },
      dir,
    );
  }

  it("publishes after the phone approves the registry's challenge, and says what it did", async () => {
    const run = await publish("rocket", "npm_alice");
    const approval = await device.nextApproval(30_000);
    expect(approval.operation).toMatchObject({ action: "publish", package: { name: "rocket", version: "1.0.0" } });
    await device.approve(approval, TOTP);
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(registry.published).toContainEqual(expect.objectContaining({ name: "rocket", user: "alice" }));
    expect(result.stderr).toContain("The registry asks for a one-time password to publish rocket@1.0.0");
    expect(result.stderr).not.toContain("npm_alice");
  });

  it("never rings the phone when the registry asks for no second factor", async () => {
    const pushesBefore = push.count();
    const result = await (await publish("quiet", "npm_bob")).done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(registry.published).toContainEqual(expect.objectContaining({ name: "quiet", user: "bob", otp: null }));
    expect(result.stderr).toContain("The registry asked for no second factor; your phone was not asked.");
    expect(push.count()).toBe(pushesBefore);
    expect(await device.pendingApprovals()).toEqual([]);
  });

  it("exits 3 when the phone denies, with nothing published", async () => {
    const run = await publish("denied", "npm_alice");
    await device.deny((await device.nextApproval(30_000)).id);
    const result = await run.done;
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/Denied/);
    expect(registry.published.some((entry) => entry.name === "denied")).toBe(false);
  });

  it("exits 4 when nobody answers in time", async () => {
    const result = await (await publish("unanswered", "npm_alice", ["--wait", "2"])).done;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toMatch(/No answer from your phone within 2 s/);
    expect(registry.published.some((entry) => entry.name === "unanswered")).toBe(false);
  });
});
