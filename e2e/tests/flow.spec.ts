/**
 * The whole chain a maintainer relies on, with real clients and real
 * protocols: the app in Chromium (paired, account added with the camera),
 * the real `countersign` CLI running `npm publish` as a GitHub Actions job
 * would, the server's Web Push through the local push service (VAPID checked,
 * aes128gcm decrypted) into the service worker, Approve in the app, and a
 * registry that accepts the publish only with a valid code for the seed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBase32 } from "@countersign/shared";
import type { Page } from "@playwright/test";
import { expect, pairPage, test, waitForServiceWorker } from "../fixtures.js";
import { type LocalRegistry, startRegistry } from "../harness/registry.js";
import { ApiDevice } from "../helpers/apiDevice.js";
import { cameraShowingQr } from "../helpers/camera.js";
import { GITHUB_ENV as GITHUB_JOB_ENV } from "../helpers/execPhone.js";
import { makePackage, npmEnv, runCommand } from "../helpers/npmPackage.js";
import { CLI_ENTRY } from "../helpers/paths.js";
import type { ServerHandle } from "../helpers/server.js";
import {
  codeButton,
  createLinkFor,
  enableNotifications,
  openAccount,
  type ShownNotification,
  shownNotifications,
  testAccount,
} from "./app/support/app.js";

const npm = testAccount("npm", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
test.use(cameraShowingQr(npm.uri));

/** What a GitHub Actions job has in its environment (no OIDC: the job lacks id-token: write). */
const GITHUB_ENV = {
  ...GITHUB_JOB_ENV,
  GITHUB_WORKFLOW_REF: "owner/repo/.github/workflows/release.yml@refs/heads/main",
};

let registry: LocalRegistry;
test.beforeEach(async () => {
  registry = await startRegistry(npm.params);
});
test.afterEach(async () => {
  await registry.close();
});

/** Pairs the app, adds the npm account with the camera, turns notifications on and creates a CI link. */
async function setUpPhone(page: Page, server: ServerHandle): Promise<{ url: string; token: string }> {
  await page.goto("/");
  await waitForServiceWorker(page);
  await pairPage(page, server, "Alice's phone");
  // The camera is Add account's first way, and it starts at once: no tap on "Camera" (the
  // fake camera can read the code and leave the screen before such a tap lands).
  await page.getByRole("link", { name: "Add account" }).click();
  await expect(codeButton(page, npm)).toBeVisible({ timeout: 20_000 });
  await enableNotifications(page);
  const link = await createLinkFor(page, npm, "release workflow");
  await page.goto("/settings");
  return link;
}

/** Runs `countersign exec -- npm publish` in a fresh package, as the CI job would. */
function publishFromCi(linkUrl: string, name: string, version: string, cliArgs: string[] = []) {
  const dir = makePackage(registry, name, version);
  return runCommand(
    process.execPath,
    // The registry comes from the package's .npmrc: a --registry flag would beat the relay's environment.
    [CLI_ENTRY, "exec", ...cliArgs, "--", "npm", "publish"],
    { cwd: dir, env: { ...npmEnv(dir), ...GITHUB_ENV, COUNTERSIGN_URL: linkUrl } },
  );
}

async function nextNotification(page: Page, count = 1): Promise<ShownNotification> {
  await expect.poll(async () => (await shownNotifications(page)).length, { timeout: 20_000 }).toBe(count);
  const list = await shownNotifications(page);
  return list[list.length - 1] as ShownNotification;
}

test("a maintainer approves on the phone and CI publishes with 2FA on", async ({ page, server, pushService }) => {
  const link = await setUpPhone(page, server);
  const requests: string[] = [];
  page.on("request", (request) => {
    requests.push(
      `${request.method()} ${request.url()}\n${JSON.stringify(request.headers())}\n${request.postData() ?? ""}`,
    );
  });

  const ci = publishFromCi(link.url, "foo", "1.2.3");
  const notification = await nextNotification(page);
  expect(notification.title).toBe("Publish foo@1.2.3 from owner/repo?");

  // The push went through the push service for real: signed with the key the page subscribed with
  // (the service refuses any other), decrypted with the subscription's keys, urgent, kept no longer
  // than the request lives.
  const pushed = pushService.messages.find((message) => message.body.includes(notification.data.requestId));
  expect(pushed).toMatchObject({
    urgency: "high",
    ttl: 600,
    vapidPublicKey: pushService.applicationServerKey(pushed?.endpoint ?? ""),
  });

  // The open app shows the request at once; the approver sees what CI claims.
  await expect(page).toHaveURL(new RegExp(`/approve/${notification.data.requestId}$`));
  await expect(page.getByText("owner/repo").first()).toBeVisible();
  await page.getByRole("button", { name: "Approve" }).click();

  const result = await ci;
  expect(result.stderr).not.toMatch(/ERR!/);
  expect(result.code).toBe(0);
  expect(registry.published).toEqual([
    expect.objectContaining({ name: "foo", version: "1.2.3", otp: expect.stringMatching(/^\d{6}$/) }),
  ]);
  // The link token never shows in what CI prints.
  expect(result.stdout + result.stderr).not.toContain(link.token);

  // History records the approval with the context CI gave.
  await page.goto("/");
  await openAccount(page, npm);
  const history = page.getByRole("region", { name: "History" });
  await expect(history.getByText(/foo@1\.2\.3/).first()).toBeVisible();
  await expect(history.getByText(/approved|delivered/i).first()).toBeVisible();
  await expect(history.getByText("owner/repo").first()).toBeVisible();

  // The seed went nowhere: not in any request the browser made during the approval — which were
  // recorded (the approval itself among them), so an empty record cannot pass.
  expect(requests.some((request) => /^POST \S+\/api\/v1\/approvals\/[^/]+\/answer\n/.test(request))).toBe(true);
  for (const request of requests) expect(request).not.toContain(npm.params.secret);
});

test("plain curl with --fail-with-body gets the code for npm publish --otp", async ({ page, server }) => {
  const link = await setUpPhone(page, server);
  const dir = makePackage(registry, "curl-pkg", "0.1.0");
  const ci = runCommand(
    "bash",
    ["-c", `npm publish --registry "${registry.url}" --otp="$(curl -sS --fail-with-body -X POST "$COUNTERSIGN_URL")"`],
    { cwd: dir, env: { ...npmEnv(dir), COUNTERSIGN_URL: link.url } },
  );
  const notification = await nextNotification(page);
  expect(notification.title).toBe("Publish to npm as alice?");
  await page.getByRole("button", { name: "Approve" }).click();
  const result = await ci;
  expect(result.code).toBe(0);
  expect(registry.published.map((entry) => entry.name)).toEqual(["curl-pkg"]);
});

test("Deny stops the publish with a clear error and nothing is published", async ({ page, server }) => {
  const link = await setUpPhone(page, server);
  const ci = publishFromCi(link.url, "foo", "2.0.0");
  await nextNotification(page);
  await page.getByRole("button", { name: "Deny", exact: true }).click();
  const result = await ci;
  expect(result.code).toBe(3);
  expect(result.stderr).toMatch(/denied/i);
  expect(registry.published).toEqual([]);
  expect(registry.otpsSeen).toEqual([]);
});

test("with two phones, the first answer wins and the other is told", async ({ page, server, pushService }) => {
  const link = await setUpPhone(page, server);
  const other = await ApiDevice.pair(server.origin, { inviteCode: await inviteFromApp(page) }, "Bob's tablet");
  await other.createAccount(npm.issuer, npm.label);
  await other.subscribePush(pushService.createSubscription());

  const ci = publishFromCi(link.url, "foo", "3.0.0");
  await nextNotification(page);
  const approval = await other.nextApproval();
  // Both phones were woken.
  await expect.poll(() => pushService.messages.filter((m) => m.body.includes(approval.id)).length).toBe(2);
  await other.approve(approval, npm.params);
  const result = await ci;
  expect(result.code).toBe(0);
  expect(registry.published.map((entry) => entry.version)).toEqual(["3.0.0"]);

  await page.goto(`/approve/${approval.id}`);
  await expect(page.getByText(/answered on Bob's tablet/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
});

test("a request nobody answers times out and CI says so", async ({ page, server }) => {
  const link = await setUpPhone(page, server);
  const result = await publishFromCi(link.url, "foo", "4.0.0", ["--wait", "3"]);
  expect(result.code).toBe(4);
  expect(result.stderr).toMatch(/no answer|timed out/i);
  expect(registry.published).toEqual([]);
});

test("the server crashes while CI waits; after restart the approval still reaches CI", async ({
  page,
  server,
  pushService,
}) => {
  const link = await setUpPhone(page, server);
  const ci = publishFromCi(link.url, "foo", "5.0.0");
  const notification = await nextNotification(page);
  await server.kill("SIGKILL");
  await server.restart();

  await page.goto(`/approve/${notification.data.requestId}`);
  await page.getByRole("button", { name: "Approve" }).click();
  const result = await ci;
  expect(result.stderr).not.toMatch(/ERR!/);
  expect(result.code).toBe(0);
  expect(registry.published.map((entry) => entry.version)).toEqual(["5.0.0"]);
  // Resuming did not ring the phone again.
  expect(pushService.messages.filter((m) => m.body.includes('"type":"approval"'))).toHaveLength(1);
});

test("the seed is in neither the server's database nor its logs", async ({ page, server }) => {
  const link = await setUpPhone(page, server);
  const ci = publishFromCi(link.url, "foo", "6.0.0");
  await nextNotification(page);
  await page.getByRole("button", { name: "Approve" }).click();
  expect((await ci).code).toBe(0);
  await server.stop();

  const secret = npm.params.secret;
  const seedBytes = Buffer.from(decodeBase32(secret));
  for (const file of readdirSync(server.dataDir)) {
    const bytes = readFileSync(join(server.dataDir, file));
    expect(bytes.includes(Buffer.from(secret)), file).toBe(false);
    expect(bytes.includes(seedBytes), file).toBe(false);
    expect(bytes.includes(Buffer.from(link.token)), file).toBe(false);
  }
  expect(server.logs()).not.toContain(secret);
  expect(server.logs()).not.toContain(link.token);
});

/** The app's "Invite another device": returns the invite code it shows. */
async function inviteFromApp(page: Page): Promise<string> {
  await page.goto("/settings");
  await page.getByRole("button", { name: "Invite another device" }).click();
  const inviteLink = await page.getByLabel(/Invite link/).inputValue();
  const code = new URL(inviteLink).hash.match(/invite=([^&]+)/)?.[1];
  if (!code) throw new Error(`no invite code in ${inviteLink}`);
  return decodeURIComponent(code);
}
