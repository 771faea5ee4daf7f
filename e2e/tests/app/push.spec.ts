import type { DeviceView } from "@countersign/shared";
import { expect, pairPage, test, waitForServiceWorker } from "../../fixtures.js";
import { ApiDevice, requestOtp } from "../../helpers/apiDevice.js";
import { npmPublish } from "../../helpers/registryOperations.js";
import {
  addAccountByUri,
  allowOneTapUnverified,
  clickNotificationAction,
  createLinkFor,
  enableNotifications,
  expectCodeDelivered,
  shownNotifications,
  testAccount,
  totpAt,
  waitForNotification,
} from "./support/app.js";

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");
const REQUEST = {
  package: { name: "foo", version: "1.2.3" },
  context: { repository: "owner/repo", workflow: "release.yml" },
  wait: 30,
};

async function setUp(
  page: import("@playwright/test").Page,
  server: import("../../helpers/server.js").ServerHandle,
  oneTapUnverified = true,
) {
  await page.goto("/");
  await waitForServiceWorker(page);
  await pairPage(page, server);
  await addAccountByUri(page, npm);
  await enableNotifications(page);
  if (oneTapUnverified) await allowOneTapUnverified(page);
  const { token } = await createLinkFor(page, npm, "CI");
  // Park the app on Settings, away from the home screen's list of waiting requests.
  await page.goto("/settings");
  return token;
}

/** `setUp`, then CI asks for a code (`body`, `headers`) and its notification shows: the waiting call and the notification. */
async function ciAsks(
  page: import("@playwright/test").Page,
  server: import("../../helpers/server.js").ServerHandle,
  body: Record<string, unknown> = REQUEST,
  headers: Record<string, string> = {},
) {
  const token = await setUp(page, server);
  const ci = requestOtp(server.origin, token, body, headers);
  const notification = await waitForNotification(page);
  return { ci, notification };
}

/** The server's VAPID public key, as the app reads it before subscribing. */
async function vapidPublicKey(origin: string): Promise<string> {
  const response = await fetch(`${origin}/api/v1/push/vapid-public-key`);
  return ((await response.json()) as { publicKey: string }).publicKey;
}

/** Invites a second device from the open Settings screen; it can read what the server knows of the first. */
async function inviteApiDevice(page: import("@playwright/test").Page, server: { origin: string }) {
  await page.getByRole("button", { name: "Invite another device" }).click();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();
  const inviteCode = new URLSearchParams(new URL(inviteUrl).hash.slice(1)).get("invite") ?? "";
  return ApiDevice.pair(server.origin, { inviteCode }, "Bob's tablet");
}

test("a CI request arrives as a notification and brings up the approval screen in the open app", async ({
  page,
  server,
}) => {
  const { ci, notification } = await ciAsks(page, server, REQUEST, { accept: "application/json" });
  expect(`${notification.title}\n${notification.body}`).toContain("Publish foo@1.2.3 from owner/repo?");
  expect(notification.tag).toContain(notification.data.requestId);
  expect(notification.actions.map((a) => a.title)).toEqual(["Approve", "Deny"]);
  expect(JSON.stringify(notification)).not.toContain(npm.params.secret);

  // The foreground app switched to the request without a reload.
  await expect(page).toHaveURL(new RegExp(`/approve/${notification.data.requestId}$`));
  await page.getByRole("button", { name: "Approve" }).click();
  await expectCodeDelivered(ci, npm);
  // The server's "answered" push closes the notification.
  await expect.poll(async () => (await shownNotifications(page)).length).toBe(0);
});

test("Approve on the notification answers from the service worker, without the app", async ({
  page,
  context,
  server,
}) => {
  const { ci, notification } = await ciAsks(page, server, REQUEST, { accept: "application/json" });
  await clickNotificationAction(context, "approve", notification.data);
  await expectCodeDelivered(ci, npm);
  await expect
    .poll(async () => (await shownNotifications(page)).map((n) => n.title))
    .toEqual(["Approved: the code was sent to CI"]);
  // The approval screen the open app brought up shows the answer, without its buttons.
  await expect(page.getByRole("status").filter({ hasText: "Already approved" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toBeHidden();
});

test("Approve on the notification encrypts the codes when the CLI sent a key", async ({ page, context, server }) => {
  const { compactDecrypt, exportJWK, generateKeyPair } = await import("jose");
  const ci = await generateKeyPair("ECDH-ES", { crv: "P-256" });
  const { x, y } = await exportJWK(ci.publicKey);
  const token = await setUp(page, server);
  const pending = requestOtp(
    server.origin,
    token,
    { ...REQUEST, publicKey: { kty: "EC", crv: "P-256", x, y } },
    {
      accept: "application/json",
    },
  );
  const notification = await waitForNotification(page);
  await clickNotificationAction(context, "approve", notification.data);
  const answer = await pending;
  expect(answer.status).toBe(200);
  const { jwe, otp } = answer.json as { jwe: string; otp?: string };
  expect(otp).toBeUndefined();
  const { plaintext } = await compactDecrypt(jwe, ci.privateKey);
  const { codes } = JSON.parse(new TextDecoder().decode(plaintext)) as { codes: { otp: string; notBefore: number }[] };
  expect(codes).toHaveLength(2);
  for (const code of codes) expect(code.otp).toBe(await totpAt(npm, code.notBefore));
});

test("Deny on the notification denies from the service worker", async ({ page, context, server }) => {
  const { ci, notification } = await ciAsks(page, server);
  await clickNotificationAction(context, "deny", notification.data);
  const answer = await ci;
  expect(answer.status).toBe(403);
  await expect.poll(async () => (await shownNotifications(page)).map((n) => n.title)).toEqual(["Denied"]);
});

test("notifications can be turned off again: the server forgets the subscription, the push service ends it", async ({
  page,
  server,
  pushService,
  push,
}) => {
  await page.goto("/");
  await waitForServiceWorker(page);
  await pairPage(page, server, "Alice's phone");
  await enableNotifications(page);
  const { endpoint } = push.subscription;
  expect(pushService.applicationServerKey(endpoint)).toBe(await vapidPublicKey(server.origin));
  await page.goto("/settings");
  const other = await inviteApiDevice(page, server);
  await page.getByRole("button", { name: "Turn off notifications" }).click();
  await expect(page.getByRole("button", { name: "Turn on notifications" })).toBeVisible();

  const devices = await other.call<DeviceView[]>("GET", "/api/v1/devices");
  expect(devices.find((device) => device.name === "Alice's phone")).toMatchObject({ hasPush: false });
  // The browser's unsubscribe reached its push service: a push to the old endpoint is refused.
  const gone = await fetch(endpoint, { method: "POST" });
  expect(gone.status).toBe(410);
});

test("a phone subscribed before a server restart still gets pushes after it (the same VAPID key)", async ({
  page,
  context,
  server,
  pushService,
  push,
}) => {
  const token = await setUp(page, server);
  const key = await vapidPublicKey(server.origin);
  // The subscription is bound to the key the page subscribed with, as at a real push service.
  expect(pushService.applicationServerKey(push.subscription.endpoint)).toBe(key);
  await server.kill("SIGTERM");
  await server.restart();

  const ci = requestOtp(server.origin, token, REQUEST);
  // A server that made itself a new key pair would be refused here (403), and no notification would come.
  const notification = await waitForNotification(page);
  expect(notification.title).toBe("Publish foo@1.2.3 from owner/repo?");
  expect(pushService.refusals.filter((refusal) => refusal.endpoint === push.subscription.endpoint)).toEqual([]);
  await clickNotificationAction(context, "deny", notification.data);
  expect((await ci).status).toBe(403);
});

test("when another device answers, the notification closes and the open screen says who answered", async ({
  page,
  server,
}) => {
  const token = await setUp(page, server);
  await page.getByRole("button", { name: "Invite another device" }).click();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();
  const inviteCode = new URLSearchParams(new URL(inviteUrl).hash.slice(1)).get("invite") ?? "";
  const other = await ApiDevice.pair(server.origin, { inviteCode }, "Bob's tablet");
  await other.createAccount(npm.issuer, npm.label);

  const ci = requestOtp(server.origin, token, REQUEST);
  await waitForNotification(page);
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
  await other.approve(await other.nextApproval(), npm.params);
  expect((await ci).status).toBe(200);
  await expect.poll(async () => (await shownNotifications(page)).length).toBe(0);
  await expect(page.getByRole("status").filter({ hasText: "answered on Bob's tablet" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toBeHidden();
});

test("npm's passkey page arrives without a one-tap Approve, and closes when CI withdraws the request", async ({
  page,
  server,
}) => {
  const token = await setUp(page, server);
  const ci = requestOtp(server.origin, token, {
    operation: npmPublish("foo", "1.2.3"),
    challenge: { type: "web", authUrl: "https://www.npmjs.com/auth/cli/77" },
    context: { repository: "owner/repo" },
    wait: 30,
  });
  const notification = await waitForNotification(page);
  expect(notification.title).toBe("npm asks for your passkey to publish foo@1.2.3 from owner/repo");
  expect(notification.body).toContain('Tap to review, then "Open npm".');
  expect(notification.actions.map((a) => a.title)).toEqual(["Deny"]);
  expect(JSON.stringify(notification)).not.toContain("npmjs.com/auth");

  // The registry's challenge was met another way: CI withdraws, the notification goes away.
  const withdrawn = await fetch(`${server.origin}/api/v1/requests/${notification.data.requestId}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(withdrawn.status).toBe(204);
  expect((await ci).status).toBe(410);
  await expect.poll(async () => (await shownNotifications(page)).length).toBe(0);
});

test("a request with nothing verified offers no one-tap Approve unless Settings allows it", async ({
  page,
  server,
}) => {
  const token = await setUp(page, server, false);
  const ci = requestOtp(server.origin, token, { ...REQUEST, wait: 5 });
  const notification = await waitForNotification(page);
  expect(notification.body).toContain("claimed by CI");
  expect(notification.actions.map((a) => a.title)).toEqual(["Deny"]);
  await ci;
});
