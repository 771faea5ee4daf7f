/**
 * `countersign exec` for an npm account whose second factor is a passkey,
 * added to the app with "No code: my 2FA is a passkey or security key" (it
 * has no seed to scan): the registry answers the publish with its web challenge (authUrl,
 * doneUrl), the phone shows "npm asks for your passkey to publish …" with
 * "Open npm", the registry's page opens in the phone's browser and the
 * phone's platform authenticator (a CDP virtual authenticator) signs the
 * assertion there; the CLI, polling doneUrl, gets the registry's token and
 * sends the publish again with it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures.js";
import { type LocalRegistry, type RegistryAccount, startRegistry } from "../harness/registry.js";
import {
  nextApproval,
  runExec,
  setUpPhone,
  usePlatformAuthenticator,
  type VirtualCredential,
} from "../helpers/execPhone.js";
import { makePackage, npmEnv, runCommand } from "../helpers/npmPackage.js";
import { CLIENTS } from "../helpers/publishingClients.js";
import { openAccount } from "./app/support/app.js";

/** Bob's account in the app, added as a passkey account: no seed, only the names his CI link belongs to. */
const npmBob = { issuer: "npm", label: "bob" };
const bob: RegistryAccount = { token: "bob-token", user: "bob", secondFactor: { type: "webauthn" } };

let registry: LocalRegistry;
test.beforeEach(async () => {
  registry = await startRegistry(undefined, undefined, { accounts: [bob] });
});
test.afterEach(async () => {
  await registry.close();
});

/** Registers bob's passkey on the registry's own page, in the phone's browser; returns the credential. */
async function registerPasskey(page: Page): Promise<VirtualCredential> {
  const site = await page.context().newPage();
  const authenticator = await usePlatformAuthenticator(site);
  await site.goto(registry.registerUrl("bob"));
  await site.getByRole("button", { name: "Continue" }).click();
  await expect(site.getByRole("status")).toHaveText("Security key added");
  const [credential] = await authenticator.credentials();
  await site.close();
  expect(registry.hasPasskey("bob")).toBe(true);
  return credential as VirtualCredential;
}

/** A package of bob's; Yarn 4 gets its (empty) lockfile installed first, as CI would have. */
async function bobsPackage(name: string, yarn4: boolean): Promise<string> {
  const dir = makePackage(registry, name, "1.0.0");
  writeFileSync(join(dir, ".npmrc"), registry.npmrc(bob.token));
  if (yarn4) {
    const client = CLIENTS.yarn4;
    writeFileSync(join(dir, "yarn.lock"), "");
    const install = await runCommand(client.command, [...client.args, "install"], {
      cwd: dir,
      env: { ...npmEnv(dir), YARN_ENABLE_IMMUTABLE_INSTALLS: "false", YARN_ENABLE_TELEMETRY: "0" },
    });
    expect(install.code, install.stdout).toBe(0);
  }
  return dir;
}

const donePolls = () => registry.requests.filter((entry) => entry.path === "/-/v1/done");

for (const name of ["npm11", "yarn4"] as const) {
  test(`${name}: the phone opens npm's passkey page, the passkey is used there, and the publish goes through`, async ({
    page,
    context,
    server,
    pushService,
  }) => {
    const link = await setUpPhone(page, server, npmBob);
    const credential = await registerPasskey(page);
    const client = CLIENTS[name];
    const pkg = `pk-${name}`;
    const dir = await bobsPackage(pkg, name === "yarn4");

    const ci = runExec(link.url, dir, [client.command, ...client.args, ...client.publish], {
      cliArgs: ["--mode", "relay"],
      env: { ...npmEnv(dir), YARN_ENABLE_TELEMETRY: "0" },
    });
    await nextApproval(page, pushService, 1);
    const question = `npm asks for your passkey to publish ${pkg}@1.0.0 from owner/repo`;
    await expect(page.getByRole("heading", { name: question })).toBeVisible();
    await expect(page.getByRole("button", { name: "Approve" })).toBeHidden();
    // The registry's challenge reached the relay as the web kind, for Yarn too (the relay asks for it).
    expect(registry.challenges).toEqual([
      expect.objectContaining({ type: "web", user: "bob", method: "PUT", path: `/${pkg}` }),
    ]);

    const opened = context.waitForEvent("page");
    await page.getByRole("link", { name: "Open npm" }).click();
    const npmPage = await opened;
    await usePlatformAuthenticator(npmPage, [credential]);
    await npmPage.waitForLoadState();
    expect(npmPage.url()).toBe(`${registry.url}auth/cli/${registry.challenges[0]?.authId}`);
    await expect(page.getByRole("status").filter({ hasText: "Opened" })).toHaveText(
      "Opened npm's passkey page. CI waits for npm to confirm.",
    );
    // The CLI is polling the registry, not yet told.
    await expect.poll(() => donePolls().length).toBeGreaterThan(0);
    expect(registry.published).toEqual([]);
    await npmPage.getByRole("button", { name: "Continue" }).click();
    await expect(npmPage.getByRole("status")).toHaveText("Authenticated: you can close this page");

    const result = await ci;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain("The registry confirmed the passkey; sending the request again.");
    expect(registry.published).toEqual([expect.objectContaining({ name: pkg, version: "1.0.0", otp: "web" })]);
    expect(donePolls().at(-1)?.status).toBe(200);
    expect(donePolls().every((entry) => entry.user === "bob")).toBe(true);
    const puts = registry.requests.filter((entry) => entry.method === "PUT");
    expect(puts.map((entry) => [entry.otp, entry.authType, entry.status])).toEqual([
      [false, "web", 401],
      [true, "web", 200],
    ]);
    expect(result.stdout + result.stderr).not.toContain(bob.token);

    await page.goto("/");
    await openAccount(page, npmBob);
    const history = page.getByRole("list", { name: "Past requests" });
    await expect(history).toContainText(`Publish ${pkg}@1.0.0 from owner/repo`);
    await expect(history).toContainText("opened npm's passkey page");
  });
}

test("Deny on npm's passkey request: exec exits 3, says denied, nothing is published, the CLI stops polling", async ({
  page,
  server,
  pushService,
}) => {
  const link = await setUpPhone(page, server, npmBob);
  await registerPasskey(page);
  const dir = await bobsPackage("pk-denied", false);
  const ci = runExec(link.url, dir, ["npm", "publish"], { cliArgs: ["--wait", "120"], env: npmEnv(dir) });
  await nextApproval(page, pushService, 1);
  await expect.poll(() => donePolls().length).toBeGreaterThan(0);
  await page.getByRole("button", { name: "Deny", exact: true }).click();
  const deniedAt = Date.now();
  const result = await ci;
  // The poll stopped with the denial: exec did not sit out its two minutes.
  expect(Date.now() - deniedAt).toBeLessThan(10_000);
  expect(result.code, result.stderr).toBe(3);
  expect(result.stderr).toMatch(/denied/i);
  expect(registry.published).toEqual([]);
  // The CLI has exited (its relay and poller with it): the polls so far are all there will be.
  expect(donePolls().every((entry) => entry.status === 202)).toBe(true);
  // The client's publish was refused once by the registry and never sent again.
  expect(registry.requests.filter((entry) => entry.method === "PUT").map((entry) => entry.status)).toEqual([401]);
});
