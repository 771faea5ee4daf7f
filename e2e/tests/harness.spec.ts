/**
 * The local registry harness behaves like registry.npmjs.org for what the
 * publishing tests do, proven with the real clients: npm's EOTP for a TOTP
 * account, the web (passkey) challenge with its authUrl page in Chromium and
 * doneUrl polling, dist-tags, and what pnpm and Yarn call when they publish.
 */
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateTotp } from "@countersign/shared";
import { type Browser, chromium, expect, type Page, test } from "@playwright/test";
import { readPublishBody } from "../harness/publishBody.js";
import { type LocalRegistry, type RegistryAccount, startRegistry } from "../harness/registry.js";
import { CHROMIUM_ARGS, chromiumPath } from "../helpers/chromium.js";
import { usePlatformAuthenticator } from "../helpers/execPhone.js";
import { makePackage, npmEnv, runCommand } from "../helpers/npmPackage.js";
import { CLIENTS, type ClientName } from "../helpers/publishingClients.js";

const seed = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1" as const, digits: 6, period: 30 };
const bob: RegistryAccount = { token: "bob-token", user: "bob", secondFactor: { type: "webauthn" } };
const carol: RegistryAccount = { token: "carol-token", user: "carol", secondFactor: { type: "none" } };
const npm11 = CLIENTS.npm11;

let registry: LocalRegistry;
test.beforeEach(async () => {
  registry = await startRegistry(seed, "e2e-registry-token", { accounts: [bob, carol] });
});
test.afterEach(async () => {
  await registry.close();
});

/** Runs npm 11 in the package directory with the package's .npmrc as its only config. */
function npm(dir: string, args: string[], env: Record<string, string> = {}) {
  return runCommand(npm11.command, [...npm11.args, ...args], { cwd: dir, env: { ...npmEnv(dir), ...env } });
}

/** What `npm pack` computes for the package: the tarball the registry must have received. */
async function packedTarball(dir: string): Promise<{ size: number; integrity: string }> {
  const packed = await npm(dir, ["pack", "--json", "--dry-run"]);
  const [entry] = JSON.parse(packed.stdout) as { size: number; integrity: string }[];
  return { size: entry?.size ?? -1, integrity: entry?.integrity ?? "" };
}

test.describe("classic one-time passwords (TOTP account)", () => {
  test("refuses npm publish without a one-time password, as the real registry does", async () => {
    const dir = makePackage(registry, "harness-no-otp", "1.0.0");
    const result = await npm(dir, ["publish"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("code EOTP");
    expect(result.stderr).toContain("This operation requires a one-time password from your authenticator.");
    expect(registry.published).toEqual([]);
    expect(registry.challenges).toEqual([{ type: "otp", user: "alice", method: "PUT", path: "/harness-no-otp" }]);
  });

  test("refuses a wrong code and accepts the right one, recording the tarball npm packed", async () => {
    const dir = makePackage(registry, "@scope/harness-otp", "1.2.3");
    const wrong = await npm(dir, ["publish"], { NPM_CONFIG_OTP: "000000" });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("code EOTP");
    const otp = await generateTotp(seed);
    const right = await npm(dir, ["publish", `--otp=${otp}`]);
    expect(right.stderr).not.toMatch(/ERR!/);
    expect(right.code).toBe(0);
    expect(registry.published).toEqual([
      {
        name: "@scope/harness-otp",
        version: "1.2.3",
        otp,
        user: "alice",
        tag: "latest",
        tarball: await packedTarball(dir),
      },
    ]);
    // The scoped name travels percent-encoded, and every request carried the token.
    expect(registry.requests.filter((entry) => entry.method === "PUT").map((entry) => entry.path)).toEqual([
      "/@scope%2fharness-otp",
      "/@scope%2fharness-otp",
    ]);
    expect(registry.requests.every((entry) => entry.authorization && entry.user === "alice")).toBe(true);
    expect(JSON.stringify(registry.requests)).not.toContain(registry.authToken);

    // The packument now lists the version under its tag; a second publish of it is refused.
    const view = await npm(dir, ["view", "@scope/harness-otp", "--json"]);
    expect(JSON.parse(view.stdout)).toMatchObject({ name: "@scope/harness-otp", "dist-tags": { latest: "1.2.3" } });
    const again = await npm(dir, ["publish", `--otp=${otp}`]);
    expect(again.stderr).toContain("You cannot publish over the previously published versions: 1.2.3.");
  });

  test("dist-tag changes need the code too", async () => {
    const dir = makePackage(registry, "harness-tags", "2.0.0");
    expect((await npm(dir, ["publish", `--otp=${await generateTotp(seed)}`])).code).toBe(0);
    const without = await npm(dir, ["dist-tag", "add", "harness-tags@2.0.0", "beta"]);
    expect(without.stderr).toContain("code EOTP");
    const added = await npm(dir, [
      "dist-tag",
      "add",
      "harness-tags@2.0.0",
      "beta",
      `--otp=${await generateTotp(seed)}`,
    ]);
    expect(added.code).toBe(0);
    expect((await npm(dir, ["dist-tag", "ls", "harness-tags"])).stdout).toBe("beta: 2.0.0\nlatest: 2.0.0\n");
    const removed = await npm(dir, ["dist-tag", "rm", "harness-tags", "beta", `--otp=${await generateTotp(seed)}`]);
    expect(removed.code).toBe(0);
    expect((await npm(dir, ["dist-tag", "ls", "harness-tags"])).stdout).toBe("latest: 2.0.0\n");
    expect(registry.challenges.map((entry) => `${entry.method} ${entry.path}`)).toEqual([
      "PUT /-/package/harness-tags/dist-tags/beta",
    ]);
  });
});

test.describe("what else clients call", () => {
  test("whoami and ping answer; a wrong token and unknown routes get JSON errors", async () => {
    const dir = makePackage(registry, "harness-whoami", "1.0.0");
    expect((await npm(dir, ["whoami"])).stdout.trim()).toBe("alice");
    expect((await npm(dir, ["ping"])).code).toBe(0);
    const unknown = await fetch(`${registry.url}-/npm/v1/security/advisories/bulk`, { method: "POST" });
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: "Not found" }]);
    const wrongToken = await fetch(`${registry.url}harness-whoami`, { headers: { authorization: "Bearer nope" } });
    expect(wrongToken.status).toBe(401);
  });

  const others: ClientName[] = ["npm12", "pnpm10", "pnpm12", "yarn1", "yarn4"];
  for (const name of others) {
    test(`${name} publishes with --otp and is challenged without`, async () => {
      const client = CLIENTS[name];
      const dir = makePackage(registry, `harness-${name}`, "1.0.0");
      if (name === "yarn4") {
        // Yarn 4 reads .yarnrc.yml, not .npmrc.
        writeFileSync(
          join(dir, ".yarnrc.yml"),
          `npmRegistryServer: "${registry.url}"\nnpmAuthToken: "${registry.authToken}"\nunsafeHttpWhitelist: ["localhost"]\nenableTelemetry: false\n`,
        );
        writeFileSync(join(dir, "yarn.lock"), "");
        const install = await runCommand(client.command, [...client.args, "install"], {
          cwd: dir,
          env: { ...npmEnv(dir), YARN_ENABLE_IMMUTABLE_INSTALLS: "false" },
        });
        expect(install.code, install.stdout).toBe(0);
      }
      const run = (extra: string[]) =>
        runCommand(client.command, [...client.args, ...client.publish, ...extra], {
          cwd: dir,
          env: { ...npmEnv(dir), ...(name === "yarn1" ? { YARN_CACHE_FOLDER: join(dir, ".yarn-cache") } : {}) },
        });
      const refused = await run([]);
      expect(refused.code).not.toBe(0);
      const otp = await generateTotp(seed);
      const accepted = await run(client.otpFlag(otp));
      expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
      expect(registry.published).toEqual([expect.objectContaining({ name: `harness-${name}`, version: "1.0.0", otp })]);
      expect(registry.published[0]?.tarball.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
      expect(registry.challenges.map((entry) => entry.type)).toEqual(["otp"]);
    });
  }
});

test.describe("web authentication (passkey account)", () => {
  let browser: Browser;
  let page: Page;
  test.beforeEach(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    page = await browser.newPage();
    await usePlatformAuthenticator(page);
    await page.goto(registry.registerUrl("bob"));
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("status")).toHaveText("Security key added");
    expect(registry.hasPasskey("bob")).toBe(true);
  });
  test.afterEach(async () => {
    await browser.close();
  });

  /** Opens an authUrl in the browser with the passkey and uses it. */
  async function approveInBrowser(authUrl: string): Promise<void> {
    await page.goto(authUrl);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("status")).toHaveText("Authenticated: you can close this page");
  }

  test("npm in CI fails with EOTP and prints the registry's authUrl and doneUrl", async () => {
    const dir = makePackage(registry, "harness-web-ci", "1.0.0");
    writeFileSync(join(dir, ".npmrc"), registry.npmrc(bob.token));
    const result = await npm(dir, ["publish"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("code EOTP");
    const [challenge] = registry.challenges;
    expect(challenge).toMatchObject({ type: "web", user: "bob", method: "PUT", path: "/harness-web-ci" });
    const authUrl = `${registry.url}auth/cli/${challenge?.authId}`;
    expect(result.stderr).toContain(authUrl);
    expect(result.stderr).toContain(`${registry.url}-/v1/done?authId=${challenge?.authId}`);
    expect(registry.published).toEqual([]);
  });

  test("a client without npm-auth-type: web gets the classic challenge (as Yarn does)", async () => {
    const put = await fetch(`${registry.url}harness-web-classic`, {
      method: "PUT",
      headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "harness-web-classic", versions: {} }),
    });
    expect(put.status).toBe(401);
    expect(put.headers.get("www-authenticate")).toBe("OTP");
    expect(await put.json()).toEqual({
      error: "You must provide a one-time pass. Upgrade your client to npm@latest in order to use 2FA.",
    });
  });

  test("npm on a terminal completes the web flow once the passkey is used on the auth page", async () => {
    const dir = makePackage(registry, "harness-web-tty", "1.0.0");
    writeFileSync(join(dir, ".npmrc"), registry.npmrc(bob.token));
    let output = "";
    let opened: Promise<void> | undefined;
    // `script` gives npm the terminal it requires for its web flow; --browser=false: print, do not open.
    const command = [npm11.command, ...npm11.args, "publish", "--browser=false"].map((part) => `'${part}'`).join(" ");
    const result = await runCommand("script", ["-qfec", command, "/dev/null"], {
      cwd: dir,
      env: npmEnv(dir),
      onStdout: (text) => {
        output += text;
        const authUrl = /http:\/\/localhost:\d+\/auth\/cli\/[0-9a-f]+/.exec(output)?.[0];
        if (authUrl && !opened) opened = approveInBrowser(authUrl);
      },
    });
    await opened;
    expect(result.code, result.stdout).toBe(0);
    expect(output).toContain("Authenticate your account at:");
    expect(registry.published).toEqual([expect.objectContaining({ name: "harness-web-tty", otp: "web", user: "bob" })]);
    // npm polled doneUrl (202 with Retry-After until the passkey was used), then retried with the token.
    const polls = registry.requests.filter((entry) => entry.path === "/-/v1/done");
    expect(polls.at(-1)?.status).toBe(200);
    expect(polls.slice(0, -1).every((entry) => entry.status === 202 && entry.user === "bob")).toBe(true);
    const puts = registry.requests.filter((entry) => entry.method === "PUT");
    expect(puts.map((entry) => [entry.otp, entry.status])).toEqual([
      [false, 401],
      [true, 200],
    ]);
  });

  test("doneUrl waits, hands the token out once, and the token publishes once", async () => {
    const headers = {
      authorization: `Bearer ${bob.token}`,
      "content-type": "application/json",
      "npm-auth-type": "web",
    };
    const publish = (version: string, otp?: string) =>
      fetch(`${registry.url}harness-web-once`, {
        method: "PUT",
        headers: { ...headers, ...(otp ? { "npm-otp": otp } : {}) },
        body: JSON.stringify({
          name: "harness-web-once",
          versions: { [version]: { name: "harness-web-once", version } },
        }),
      });
    const challenged = await publish("1.0.0");
    expect(challenged.status).toBe(401);
    const { authUrl, doneUrl } = (await challenged.json()) as { authUrl: string; doneUrl: string };
    expect(authUrl).toMatch(new RegExp(`^${registry.url}auth/cli/[0-9a-f]{32}$`));
    expect(doneUrl).toBe(`${registry.url}-/v1/done?authId=${authUrl.split("/").pop()}`);

    const waiting = await fetch(doneUrl, { headers });
    expect([waiting.status, waiting.headers.get("retry-after")]).toEqual([202, "1"]);
    expect((await fetch(doneUrl)).status).toBe(401);

    await approveInBrowser(authUrl);
    const done = await fetch(doneUrl, { headers });
    expect(done.status).toBe(200);
    const { token } = (await done.json()) as { token: string };
    expect((await fetch(doneUrl, { headers })).status).toBe(404);

    expect((await publish("1.0.0", token)).status).toBe(200);
    expect((await publish("1.0.1", token)).status).toBe(401);
    expect(registry.published.map((entry) => [entry.version, entry.otp])).toEqual([["1.0.0", "web"]]);
    expect(JSON.stringify(registry)).not.toContain(token);

    // The auth page of a used challenge is gone.
    await page.goto(authUrl);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("status")).toHaveText("This link has expired");
  });
});

test("the publish body is digested as it streams, however it is split", async () => {
  for (const [size, chunkSize] of [
    [20_000, 1],
    [200_000, 7],
    [3 * 1024 * 1024 + 1, 65_536],
  ] as const) {
    const tarball = randomBytes(size);
    const document = {
      name: "big",
      versions: { "1.0.0": { name: "big", version: "1.0.0", data: "not the attachment" } },
      _attachments: { "big-1.0.0.tgz": { content_type: "application/octet-stream", data: tarball.toString("base64") } },
    };
    const text = Buffer.from(JSON.stringify(document));
    async function* chunks() {
      for (let at = 0; at < text.length; at += chunkSize) yield text.subarray(at, at + chunkSize);
    }
    const body = await readPublishBody(chunks());
    expect(body.attachments.get("big-1.0.0.tgz")).toEqual({
      size,
      integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
    });
    expect(body.document.versions?.["1.0.0"]).toEqual(document.versions["1.0.0"]);
  }
});
