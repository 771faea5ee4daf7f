import type { Page } from "@playwright/test";
import { expect, pairPage, test, waitForServiceWorker } from "../fixtures.js";
import { requestOtp } from "../helpers/apiDevice.js";
import { usePlatformAuthenticator } from "../helpers/execPhone.js";
import type { ServerHandle } from "../helpers/server.js";
import {
  addAccountByUri,
  clickNotificationAction,
  codeButton,
  createLinkFor,
  enableNotifications,
  expectCodeDelivered,
  openAccount,
  pairByInvite,
  shownNotifications,
  testAccount,
  trackCspViolations,
} from "./app/support/app.js";

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");
const REQUEST = { package: { name: "foo", version: "1.2.3" }, context: { repository: "owner/repo" }, wait: 60 };

/** Paired, with the npm account and a CI link; returns the link token. */
async function setUp(page: Page, server: ServerHandle): Promise<string> {
  await pairPage(page, server, "Alice's phone");
  await addAccountByUri(page, npm);
  const { token } = await createLinkFor(page, npm, "CI");
  return token;
}

async function requirePasskey(page: Page): Promise<void> {
  await page.goto("/settings");
  await page.getByRole("button", { name: "Require passkey to approve" }).click();
  await expect(page.getByText("On: approving needs this device's passkey.")).toBeVisible();
}

/** `setUp`, then a passkey registered on this device's authenticator and required for approving. */
async function setUpWithPasskey(page: Page, server: ServerHandle) {
  const token = await setUp(page, server);
  const authenticator = await usePlatformAuthenticator(page);
  await requirePasskey(page);
  return { token, authenticator };
}

async function openPending(page: Page) {
  await page.goto("/");
  await page.getByRole("link", { name: /Publish foo@1\.2\.3/ }).click();
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
}

/**
 * Whether the server still holds the request open, unanswered — asked of the
 * server (a resume that does not wait answers 408 while it is pending) rather
 * than guessed from a CI call that has not settled after a pause. The CI call
 * later getting its code proves it kept waiting.
 */
async function stillPending(server: { origin: string }, token: string, requestId: string): Promise<boolean> {
  const response = await fetch(`${server.origin}/api/v1/requests/${requestId}?wait=0`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.status === 408;
}

function shownRequestId(page: Page): string {
  const id = /\/approve\/([^/?#]+)/.exec(page.url())?.[1];
  if (!id) throw new Error(`not on an approval screen: ${page.url()}`);
  return decodeURIComponent(id);
}

test("without a platform authenticator, turning the passkey on says why it cannot", async ({ page, server }) => {
  await setUp(page, server);
  await page.goto("/settings");
  await page.getByRole("button", { name: "Require passkey to approve" }).click();
  await expect(page.getByRole("alert")).toContainText("no platform authenticator");
  await expect(page.getByRole("button", { name: "Require passkey to approve" })).toBeEnabled();
});

test("registration in Settings stores a passkey on the authenticator and the server", async ({ page, server }) => {
  const { authenticator } = await setUpWithPasskey(page, server);
  expect(await authenticator.credentials()).toHaveLength(1);
  await expect.poll(() => server.logs()).toContain("passkey registered");
  // After a reload the setting is still on.
  await page.reload();
  await expect(page.getByRole("button", { name: "Turn off passkey requirement" })).toBeVisible();
});

test("an approval with user verification delivers the code to CI", async ({ page, server }) => {
  const { token, authenticator } = await setUpWithPasskey(page, server);
  const ci = requestOtp(server.origin, token, REQUEST, { accept: "application/json" });
  await openPending(page);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Approved. The code was sent to CI." })).toBeVisible();
  await expectCodeDelivered(ci, npm);
  // The passkey signed once for this approval.
  expect((await authenticator.credentials())[0]?.signCount).toBeGreaterThan(0);
});

test("with user verification failing, the approval is refused and CI keeps waiting", async ({ page, server }) => {
  const { token, authenticator } = await setUpWithPasskey(page, server);
  const ci = requestOtp(server.origin, token, REQUEST, { accept: "application/json" });
  await openPending(page);
  await authenticator.setUserVerified(false);
  await page.getByRole("button", { name: "Approve" }).click();
  // Chromium's authenticator refuses to sign without verification (NotAllowedError), so nothing reaches the
  // server; a signature without the UV flag would be refused there (functions/src/passkey/passkey.test.ts).
  await expect(
    page.getByRole("status").filter({ hasText: "could not verify you. Nothing was changed." }),
  ).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Approved" })).toHaveCount(0);
  expect(await stillPending(server, token, shownRequestId(page))).toBe(true);

  // Verified this time, from a fresh screen: CI, still waiting, gets the code.
  await authenticator.setUserVerified(true);
  await openPending(page);
  await page.getByRole("button", { name: "Approve" }).click();
  const answer = await ci;
  expect(answer.status).toBe(200);
});

test("with the passkey required, Approve on the notification opens the app instead of answering", async ({
  page,
  context,
  server,
}) => {
  await page.goto("/");
  await waitForServiceWorker(page);
  const token = await setUp(page, server);
  await enableNotifications(page);
  await usePlatformAuthenticator(page);
  await requirePasskey(page);
  const ci = requestOtp(server.origin, token, REQUEST, { accept: "application/json" });
  await expect.poll(async () => (await shownNotifications(page)).length, { timeout: 15_000 }).toBe(1);
  const [notification] = await shownNotifications(page);
  if (!notification) throw new Error("no notification");
  await page.goto("/settings");
  // Outside a real click the worker may not focus the window it told to show the request (ENVIRONMENT.md):
  // Chromium refuses exactly that, after the window was told; any other error fails the test.
  const refusal = await clickNotificationAction(context, "approve", notification.data).then(
    () => null,
    (error: unknown) => String(error),
  );
  if (refusal !== null) expect(refusal).toContain("InvalidAccessError: Not allowed to focus a window.");
  await expect(page).toHaveURL(new RegExp(`/approve/${notification.data.requestId}$`));
  expect(await stillPending(server, token, notification.data.requestId)).toBe(true);
  await page.getByRole("button", { name: "Approve" }).click();
  expect((await ci).status).toBe(200);
});

test("the app lock hides the codes until the passkey unlocks it; turning it off needs the passkey", async ({
  page,
  server,
}) => {
  const cspViolations = await trackCspViolations(page);
  const { authenticator } = await setUpWithPasskey(page, server);
  await page.getByLabel("Lock the app").selectOption({ label: "Immediately" });
  await expect(page.getByText("App lock is on")).toBeVisible();

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Countersign is locked" })).toBeVisible();
  await expect(codeButton(page, npm)).toBeHidden();
  await expect(page.getByTestId("code")).toHaveCount(0);

  await authenticator.setUserVerified(false);
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByTestId("code")).toHaveCount(0);

  await authenticator.setUserVerified(true);
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(codeButton(page, npm)).toBeVisible();
  await expect(page.getByRole("heading", { name: "Countersign is locked" })).toBeHidden();

  // Loosening the lock asks for the passkey: refused without verification, the lock stays.
  await page.goto("/settings");
  await page.getByRole("button", { name: "Unlock" }).click();
  // Let the unlock's own verification finish before verification starts failing.
  await expect(page.getByLabel("Lock the app")).toBeVisible();
  await authenticator.setUserVerified(false);
  await page.getByLabel("Lock the app").selectOption({ label: "Off" });
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByLabel("Lock the app")).toHaveValue("0");
  await authenticator.setUserVerified(true);
  await page.getByLabel("Lock the app").selectOption({ label: "Off" });
  await expect(page.getByText("App lock is off")).toBeVisible();
  await page.goto("/");
  await expect(codeButton(page, npm)).toBeVisible();

  // Turning the requirement off uses the passkey too.
  await page.goto("/settings");
  await page.getByRole("button", { name: "Turn off passkey requirement" }).click();
  await expect(page.getByRole("button", { name: "Require passkey to approve" })).toBeVisible();
  expect(cspViolations()).toEqual([]);
});

test("with the passkey required, inviting a device, sending it the accounts and removing it need the passkey", async ({
  page,
  browser,
  server,
}) => {
  const { authenticator } = await setUpWithPasskey(page, server);
  const signCount = async () => (await authenticator.credentials())[0]?.signCount ?? 0;

  // Without user verification the platform authenticator signs nothing: no invite is created or shown.
  await authenticator.setUserVerified(false);
  await page.getByRole("button", { name: "Invite another device" }).click();
  await expect(page.getByRole("alert")).toContainText("The passkey was not used");
  await expect(page.getByRole("alert")).toContainText("Nothing was changed.");
  await expect(page.getByRole("img", { name: "Invite QR code" })).toHaveCount(0);
  await expect(page.getByLabel(/Invite link/)).toHaveCount(0);

  await authenticator.setUserVerified(true);
  const before = await signCount();
  await page.getByRole("button", { name: "Invite another device" }).click();
  await expect(page.getByRole("img", { name: "Invite QR code" })).toBeVisible();
  expect(await signCount()).toBeGreaterThan(before);
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();

  const second = await browser.newContext({ baseURL: server.origin });
  try {
    const phone = await second.newPage();
    await pairByInvite(phone, inviteUrl, "Bob's phone");
    await expect(phone.getByText("Waiting for your other device to send accounts")).toBeVisible();
    await expect(page.getByText("Bob's phone joined")).toBeVisible();

    // Sending the seeds asks again: refused without verification, the new phone keeps waiting.
    await authenticator.setUserVerified(false);
    await page.getByRole("button", { name: "Send 1 account" }).click();
    await expect(page.getByRole("alert")).toContainText("Nothing was changed.");
    await expect(page.getByRole("button", { name: "Send 1 account" })).toBeEnabled();
    await expect(phone.getByText("Waiting for your other device to send accounts")).toBeVisible();

    await authenticator.setUserVerified(true);
    await page.getByRole("button", { name: "Send 1 account" }).click();
    await expect(phone.getByText("Received 1 account from Alice's phone.")).toBeVisible();
    await expect(codeButton(phone, npm)).toBeVisible();

    // Removing the other phone needs the passkey too: without verification it stays paired.
    await page.goto("/settings");
    const devices = page.getByRole("list", { name: "Paired devices" });
    const bob = devices.getByRole("listitem").filter({ hasText: "Bob's phone" });
    await authenticator.setUserVerified(false);
    await bob.getByRole("button", { name: "Remove…" }).click();
    await page.getByRole("button", { name: "Remove Bob's phone" }).click();
    await expect(bob.getByRole("alert")).toContainText("Nothing was changed.");
    await page.reload();
    await expect(bob).toHaveCount(1);

    await authenticator.setUserVerified(true);
    const beforeRemoval = await signCount();
    await bob.getByRole("button", { name: "Remove…" }).click();
    await page.getByRole("button", { name: "Remove Bob's phone" }).click();
    await expect(bob).toHaveCount(0);
    expect(await signCount()).toBeGreaterThan(beforeRemoval);
  } finally {
    await second.close();
  }
});

test("with the passkey required, backup export, Export as QR and a new recovery code need the passkey", async ({
  page,
  server,
}) => {
  const { authenticator } = await setUpWithPasskey(page, server);
  const downloads: string[] = [];
  page.on("download", (download) => downloads.push(download.suggestedFilename()));

  // Backup: refused without verification, and no file is written.
  await authenticator.setUserVerified(false);
  await page.getByLabel("Backup passphrase").fill("correct horse battery");
  await page.getByLabel("Repeat the passphrase").fill("correct horse battery");
  await page.getByRole("button", { name: "Download encrypted backup" }).click();
  await expect(page.getByRole("alert")).toContainText("No backup was written");
  await expect(page.getByRole("button", { name: "Download encrypted backup" })).toBeEnabled();
  expect(downloads).toEqual([]);

  await authenticator.setUserVerified(true);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download encrypted backup" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^countersign-backup-\d{4}-\d{2}-\d{2}\.json$/);

  // A new recovery code: the current one stays unless the passkey verifies.
  await authenticator.setUserVerified(false);
  await page.getByRole("button", { name: "New recovery code" }).click();
  await page.getByRole("button", { name: "Replace recovery code" }).click();
  await expect(page.getByRole("alert")).toContainText("Nothing was changed.");
  await expect(page.getByRole("heading", { name: "Save your recovery code" })).toHaveCount(0);
  // The confirmation stays open with the reason, for another try.
  await authenticator.setUserVerified(true);
  await page.getByRole("alertdialog").getByRole("button", { name: "Replace recovery code" }).click();
  await expect(page.getByRole("heading", { name: "Save your recovery code" })).toBeVisible();

  // Export as QR: the seed's QR code stays hidden until the passkey verifies.
  await page.goto("/");
  await openAccount(page, npm);
  await authenticator.setUserVerified(false);
  await page.getByRole("button", { name: "Export as QR…" }).click();
  await page.getByRole("button", { name: "Show the QR code" }).click();
  await expect(page.getByRole("alert")).toContainText("The QR code stays hidden.");
  await expect(page.getByRole("img", { name: /otpauth QR code/ })).toHaveCount(0);
  await authenticator.setUserVerified(true);
  await page.getByRole("button", { name: "Show the QR code" }).click();
  await expect(page.getByRole("img", { name: /otpauth QR code/ })).toBeVisible();
});

test("an app that lost its record of the passkey learns from the server that inviting needs it", async ({
  page,
  server,
}) => {
  const { authenticator } = await setUpWithPasskey(page, server);
  // Site data partly cleared: the app's passkey setting is gone, the server's requirement is not.
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open("countersign-passkey");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction("settings", "readwrite");
          tx.objectStore("settings").delete("passkey");
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
  await page.reload();
  await expect(page.getByText("This app has lost its record of the passkey.")).toBeVisible();

  // The server answers passkey_required; the app then asks with the credential the server names.
  await authenticator.setUserVerified(false);
  await page.getByRole("button", { name: "Invite another device" }).click();
  await expect(page.getByRole("alert")).toContainText("Nothing was changed.");
  await expect(page.getByRole("img", { name: "Invite QR code" })).toHaveCount(0);
  await authenticator.setUserVerified(true);
  await page.getByRole("button", { name: "Invite another device" }).click();
  await expect(page.getByRole("img", { name: "Invite QR code" })).toBeVisible();
});
