/**
 * `countersign exec -- <client> publish` with every real publishing client:
 * the CLI's registry relay stands between the client and the registry
 * harness (a TOTP account), the registry's challenge goes to the phone, the
 * approver taps Approve, and the relay retries with the code — the client
 * never sees the challenge.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures.js";
import { type LocalRegistry, startRegistry } from "../harness/registry.js";
import { GITHUB_ENV, setUpPhone } from "../helpers/execPhone.js";
import { makePackage, npmEnv, runCommand } from "../helpers/npmPackage.js";
import { CLI_ENTRY } from "../helpers/paths.js";
import { CLIENTS, type ClientName } from "../helpers/publishingClients.js";
import { type ShownNotification, shownNotifications, testAccount } from "./app/support/app.js";

const npm = testAccount("npm", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");

let registry: LocalRegistry;
test.beforeEach(async () => {
  registry = await startRegistry(npm.params);
});
test.afterEach(async () => {
  await registry.close();
});

async function nextNotification(page: Page): Promise<ShownNotification> {
  await expect.poll(async () => (await shownNotifications(page)).length, { timeout: 30_000 }).toBeGreaterThan(0);
  const list = await shownNotifications(page);
  return list[list.length - 1] as ShownNotification;
}

const clients: ClientName[] = ["npm11", "npm12", "pnpm10", "pnpm12", "yarn1", "yarn4"];
for (const name of clients) {
  test(`countersign exec -- ${name} publish: the phone approves the registry's challenge`, async ({ page, server }) => {
    const client = CLIENTS[name];
    const link = await setUpPhone(page, server, npm);
    const pkg = `exec-${name}`;
    // The project's .npmrc names the registry and its token: what the CLI relays to.
    const dir = makePackage(registry, pkg, "1.0.0");
    const env = {
      ...npmEnv(dir),
      ...GITHUB_ENV,
      COUNTERSIGN_URL: link.url,
      YARN_CACHE_FOLDER: join(dir, ".yarn-cache"),
      YARN_ENABLE_TELEMETRY: "0",
    };
    if (name === "yarn4") {
      writeFileSync(join(dir, "yarn.lock"), "");
      const install = await runCommand(client.command, [...client.args, "install"], {
        cwd: dir,
        env: { ...env, YARN_ENABLE_IMMUTABLE_INSTALLS: "false", YARN_NPM_REGISTRY_SERVER: registry.url },
      });
      expect(install.code, install.stdout).toBe(0);
    }

    const ci = runCommand(
      process.execPath,
      // `node <client>.js` is not recognised as a registry client by name: ask for the relay.
      [CLI_ENTRY, "exec", "--mode", "relay", "--", client.command, ...client.args, ...client.publish],
      { cwd: dir, env },
    );
    const notification = await nextNotification(page);
    // What the registry was asked, read by the relay from the challenged upload itself.
    expect(notification.title).toBe(`Publish ${pkg}@1.0.0 from owner/repo?`);
    await expect(page).toHaveURL(new RegExp(`/approve/${notification.data.requestId}$`));
    await page.getByRole("button", { name: "Approve" }).click();
    const result = await ci;
    expect(result.code, result.stdout + result.stderr).toBe(0);

    expect(registry.published).toEqual([
      expect.objectContaining({ name: pkg, version: "1.0.0", otp: expect.stringMatching(/^\d{6}$/) }),
    ]);
    // The client's first try was challenged at the registry; the relay retried with the code.
    const puts = registry.requests.filter((entry) => entry.method === "PUT");
    expect(puts.map((entry) => [entry.otp, entry.status])).toEqual([
      [false, 401],
      [true, 200],
    ]);
    expect(registry.requests.every((entry) => entry.user === "alice")).toBe(true);
    expect(result.stdout + result.stderr).not.toContain(link.token);
    expect(result.stdout + result.stderr).not.toContain(registry.authToken);
  });
}
