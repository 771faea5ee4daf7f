/**
 * A maintainer whose npm 2FA is a passkey or security key has no seed to add:
 * Add account → "No code: my 2FA is a passkey or security key" keeps only
 * the registry and the account name, so a CI link can belong to it. npm's
 * passkey page (a web challenge) then works as for any account; a request
 * for a code cannot be met by this phone and says so.
 */
import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, pairPage, test, waitForServiceWorker } from "../../fixtures.js";
import { requestOtp } from "../../helpers/apiDevice.js";
import { connectPush } from "../../helpers/pushBridge.js";
import { npmPublish } from "../../helpers/registryOperations.js";
import type { ServerHandle } from "../../helpers/server.js";
import {
  addPasskeyAccount,
  createLink,
  createLinkFor,
  downloadBackup,
  enableNotifications,
  importBackup,
  pairByInvite,
  passkeyRowText,
  waitForNotification,
} from "./support/app.js";

const bob = { issuer: "npm", label: "bob" };
const publishFoo = npmPublish("foo", "1.2.3");

/** The registry's page, served locally: the machine reaches no registry site. */
const NPM_PAGE = "<!doctype html><title>npm</title><h1>Use your passkey</h1>";

/** Pairs, adds bob's passkey account the new way and creates a CI link for it; parks the app on Settings. */
async function setUp(page: Page, server: ServerHandle): Promise<string> {
  await page.goto("/");
  await waitForServiceWorker(page);
  await pairPage(page, server, "Alice's phone");
  await enableNotifications(page);
  await addPasskeyAccount(page, bob);
  const { token } = await createLinkFor(page, bob, "release workflow");
  await page.goto("/settings");
  return token;
}

test("added with no code: listed without one, searchable, its screen has links but no code or QR export", async ({
  page,
  server,
}) => {
  await page.goto("/");
  await pairPage(page, server);
  await addPasskeyAccount(page, bob);
  const row = page.getByRole("listitem").filter({ hasText: "bob" });
  await expect(row).toContainText(passkeyRowText("npm"));
  await expect(row.getByTestId("code")).toHaveCount(0);
  await expect(row.getByRole("timer")).toHaveCount(0);

  await page.getByPlaceholder("Search accounts").fill("bo");
  await expect(row).toBeVisible();
  await page.getByPlaceholder("Search accounts").fill("alice");
  await expect(page.getByText('No account matches "alice".')).toBeVisible();
  await page.getByPlaceholder("Search accounts").fill("");

  // The same names cannot be added twice.
  await page.getByRole("link", { name: "Add account" }).click();
  await page.getByRole("button", { name: "No code: my 2FA is a passkey or security key" }).click();
  await expect(page.getByLabel("Registry")).toHaveValue("npm");
  await page.getByLabel("Account name").fill("Bob");
  await page.getByRole("button", { name: "Add passkey account" }).click();
  await expect(page.getByRole("alert")).toHaveText('"npm: bob" is already on this phone.');
  await page.goto("/");

  // A tap on the row opens the account.
  await row.getByRole("link", { name: /Passkey/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: "npm: bob" })).toBeVisible();
  await expect(page.getByText(/No code on this phone: npm asks for a passkey or security key/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Export as QR…" })).toHaveCount(0);
  // Its link's recipes all go through `countersign exec`: none fetches a code first.
  await createLink(page, "CI");
  await expect(page.getByRole("button", { name: "Copy Countersign CLI" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Copy curl" })).toHaveCount(0);
  await page.getByRole("button", { name: "Done" }).click();

  await page.getByRole("button", { name: "Rename", exact: true }).click();
  await page.getByLabel("Account name").fill("bob-releases");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "npm: bob-releases" })).toBeVisible();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page.getByRole("alertdialog")).toContainText(
    "It is removed from this device and its CI links stop working.",
  );
  await page.getByRole("button", { name: "Delete account" }).click();
  await expect(page.getByText("No accounts yet")).toBeVisible();
});

test("npm's passkey page: a CI link of the passkey account asks the phone, Open npm opens the page and tells CI", async ({
  page,
  context,
  server,
}) => {
  const token = await setUp(page, server);
  const authUrl = "https://www.npmjs.com/auth/cli/5b1e0f4c-8d2a-4c3e-9f6a-7b8c9d0e1f2a";
  await context.route("https://www.npmjs.com/**", (route) =>
    route.fulfill({ contentType: "text/html", body: NPM_PAGE }),
  );
  // As `countersign exec` asks when npm answers the publish with its web challenge.
  const ci = requestOtp(
    server.origin,
    token,
    { operation: publishFoo, challenge: { type: "web", authUrl }, context: { repository: "owner/repo" }, wait: 60 },
    { accept: "application/json" },
  );
  const notification = await waitForNotification(page);
  expect(notification.title).toBe("npm asks for your passkey to publish foo@1.2.3 from owner/repo");
  expect(notification.actions.map((a) => a.title)).toEqual(["Deny"]);

  await page.goto("/");
  await page.getByRole("link", { name: /npm asks for your passkey to publish foo@1\.2\.3/ }).click();
  await expect(page.getByText("npm: bob", { exact: true })).toBeVisible();
  await expect(page.getByText(/has no code on this phone/)).toHaveCount(0);
  const opened = context.waitForEvent("page");
  await page.getByRole("link", { name: "Open npm" }).click();
  const npmPage = await opened;
  await npmPage.waitForLoadState();
  expect(npmPage.url()).toBe(authUrl);
  await npmPage.close();
  await expect(page.getByRole("status").filter({ hasText: "Opened" })).toHaveText(
    "Opened npm's passkey page. CI waits for npm to confirm.",
  );
  const answer = await ci;
  expect(answer.status).toBe(200);
  expect(answer.json).toMatchObject({ approvedBy: "Alice's phone", opened: true });
});

test("a request for a code: no one-tap Approve, the screen says why, Approve is disabled and Deny reaches CI", async ({
  page,
  server,
}) => {
  const token = await setUp(page, server);
  const ci = requestOtp(server.origin, token, {
    operation: publishFoo,
    context: { repository: "owner/repo" },
    wait: 30,
  });
  const notification = await waitForNotification(page);
  expect(notification.actions.map((a) => a.title)).toEqual(["Deny"]);
  expect(notification.body).toContain("This phone has no code for this account. Tap to review.");

  // With the app open, the request brings up its approval screen at once (as a tap on the notification does).
  await expect(page.getByRole("heading", { name: "Publish foo@1.2.3 from owner/repo?" })).toBeVisible();
  await expect(page.getByText("npm: bob", { exact: true })).toBeVisible();
  const explanation =
    "This account has no code on this phone: npm asked for a one-time password. " +
    "If the account uses TOTP, add its QR code to this phone.";
  await expect(page.getByText(explanation)).toBeVisible();
  const approve = page.getByRole("button", { name: "Approve" });
  await expect(approve).toBeDisabled();
  await expect(approve).toHaveAccessibleDescription(explanation);

  await page.getByRole("button", { name: "Deny", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Denied." })).toBeVisible();
  const answer = await ci;
  expect(answer.status).toBe(403);
  expect(answer.json).toMatchObject({ error: "denied" });
});

test("sent to a second phone by invite (names only), which then opens npm's page for it; a backup restores it", async ({
  page,
  server,
  browser,
  pushService,
}, testInfo) => {
  // Three phones and PBKDF2 with 600,000 rounds on a busy machine.
  test.setTimeout(180_000);
  const token = await setUp(page, server);
  await page.getByRole("button", { name: "Invite another device" }).click();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();

  const second = await browser.newContext({ baseURL: server.origin });
  try {
    const phone = await second.newPage();
    const pushB = await connectPush(second, phone, pushService, server.origin);
    await pairByInvite(phone, inviteUrl, "Bob's phone");
    await expect(page.getByText("Bob's phone joined")).toBeVisible();
    await expect(page.getByRole("checkbox", { name: "npm: bob (passkey, no code)" })).toBeChecked();
    await page.getByRole("button", { name: "Send 1 account" }).click();
    await expect(phone.getByText("Received 1 account from Alice's phone.")).toBeVisible();
    await expect(phone.getByRole("listitem").filter({ hasText: "bob" })).toContainText(passkeyRowText("npm"));
    await phone.getByRole("button", { name: "Done" }).click();
    await enableNotifications(phone);

    // The second phone is asked too, and answers npm's passkey page.
    await second.route("https://www.npmjs.com/**", (route) =>
      route.fulfill({ contentType: "text/html", body: NPM_PAGE }),
    );
    const ci = requestOtp(
      server.origin,
      token,
      {
        operation: publishFoo,
        challenge: { type: "web", authUrl: "https://www.npmjs.com/auth/cli/9d" },
        context: { repository: "owner/repo" },
        wait: 60,
      },
      { accept: "application/json" },
    );
    const toB = await pushService.waitForMessage(
      (m) => m.endpoint === pushB.subscription.endpoint && (m.payload as { type?: string } | null)?.type === "approval",
    );
    await phone.goto(`/approve/${(toB.payload as { requestId: string }).requestId}`);
    const opened = second.waitForEvent("page");
    await phone.getByRole("link", { name: "Open npm" }).click();
    await (await opened).close();
    const answer = await ci;
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ approvedBy: "Bob's phone", opened: true });
    await pushB.stop();
  } finally {
    await second.close();
  }

  // An encrypted backup carries it by name; a phone that imports it lists it with no code.
  const backupPath = testInfo.outputPath("backup.json");
  await downloadBackup(page, "correct horse battery staple", backupPath);
  expect(JSON.parse(readFileSync(backupPath, "utf8"))).toMatchObject({ format: "countersign-backup", count: 1 });
  const third = await browser.newContext({ baseURL: server.origin });
  try {
    const phone = await third.newPage();
    await importBackup(phone, backupPath, "correct horse battery staple");
    await expect(phone.getByText("Imported 1 account")).toBeVisible();
    await phone.goto("/");
    await expect(phone.getByRole("listitem").filter({ hasText: "bob" })).toContainText(passkeyRowText("npm"));
  } finally {
    await third.close();
  }
});
