import { decodeBase32 } from "@countersign/shared";
import { expect, pairPage, test, waitForServiceWorker } from "../../fixtures.js";
import { requestOtp } from "../../helpers/apiDevice.js";
import {
  allowOneTapUnverified,
  clickNotificationAction,
  createLinkFor,
  enableNotifications,
  openAccount,
  shownNotifications,
  testAccount,
} from "./support/app.js";

const SECRET = "KRUGS4ZANFZSAYJAONSWG4TFOQQHGZLFMQ";
const account = testAccount("npm", "leak-check", SECRET);

/** Every way the seed could be written: base32 as typed, lower case, spaced, and its bytes as hex and base64. */
function seedForms(): string[] {
  const bytes = Buffer.from(decodeBase32(SECRET));
  return [
    SECRET,
    SECRET.toLowerCase(),
    SECRET.replace(/(.{4})/g, "$1 ").trim(),
    encodeURIComponent(SECRET.replace(/(.{4})/g, "$1 ").trim()),
    bytes.toString("hex"),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
    bytes.toString("latin1"),
  ];
}

test("the seed appears in no request the browser makes during a full session", async ({ page, context, server }) => {
  const requests: { url: string; headers: string; body: string }[] = [];
  context.on("request", (request) => {
    requests.push({
      url: request.url(),
      headers: JSON.stringify(request.headers()),
      body: request.postDataBuffer()?.toString("latin1") ?? "",
    });
  });

  await page.goto("/");
  await waitForServiceWorker(page);
  await pairPage(page, server);
  // Added by hand, as typed from a registry's setup page.
  await page.getByRole("link", { name: "Add account" }).click();
  await page.getByRole("button", { name: "Manual" }).click();
  await page.getByLabel("Issuer").fill(account.issuer);
  await page.getByLabel("Account name").fill(account.label);
  await page.getByLabel("Secret key").fill(SECRET.replace(/(.{4})/g, "$1 ").trim());
  await page.getByRole("button", { name: "Add account" }).click();
  // And again by URI: refused as a duplicate, but the URI passes through the page.
  await page.getByRole("link", { name: "Add account" }).click();
  await page.getByRole("button", { name: "Paste" }).click();
  await page.getByLabel("otpauth:// link").fill(account.uri);
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(page.getByRole("alert")).toContainText("already in Countersign");
  await page.goto("/");

  await enableNotifications(page);
  const { token } = await createLinkFor(page, account, "CI");
  await page.getByRole("button", { name: "Rename", exact: true }).click();
  await page.getByLabel("Account name").fill("leak-check-2");
  await page.getByRole("button", { name: "Save" }).click();

  // One request approved on screen, one from the notification, one denied.
  const first = requestOtp(server.origin, token, { package: { name: "foo", version: "1.0.0" }, wait: 30 });
  await expect(page.getByRole("heading", { name: /foo@1\.0\.0/ })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible({ timeout: 15_000 });
  await page.getByRole("button", { name: "Approve" }).click();
  expect((await first).status).toBe(200);

  // One-tap Approve on a notification of a request with nothing verified is opt-in (issue 18).
  await allowOneTapUnverified(page);
  const second = requestOtp(server.origin, token, { package: { name: "foo", version: "1.0.1" }, wait: 30 });
  // The first request's notification may still be closing: wait for the second's.
  const secondNotification = async () =>
    (await shownNotifications(page)).find((shown) => shown.title.includes("foo@1.0.1"));
  await expect.poll(async () => (await secondNotification()) !== undefined, { timeout: 15_000 }).toBe(true);
  const notification = await secondNotification();
  expect(JSON.stringify(notification)).not.toContain(SECRET);
  await clickNotificationAction(context, "approve", notification?.data);
  expect((await second).status).toBe(200);

  const third = requestOtp(server.origin, token, { package: { name: "foo", version: "1.0.2" }, wait: 30 });
  await expect(page.getByRole("heading", { name: /foo@1\.0\.2/ })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Deny", exact: true })).toBeVisible({ timeout: 15_000 });
  await page.getByRole("button", { name: "Deny", exact: true }).click();
  expect((await third).status).toBe(403);

  await page.goto("/");
  await openAccount(page, { issuer: "npm", label: "leak-check-2" });
  await expect(page.getByRole("heading", { name: "History" })).toBeVisible();
  await page.goto("/settings");

  const apiCalls = requests.filter((r) => new URL(r.url).pathname.startsWith("/api/"));
  expect(apiCalls.length).toBeGreaterThan(10);
  // Requests from the service worker are recorded too (its approval from the notification).
  expect(apiCalls.some((r) => r.url.includes("/answer") && r.body.includes("codes"))).toBe(true);
  for (const form of seedForms()) {
    for (const request of requests) {
      expect(request.url, `seed in a URL: ${request.url}`).not.toContain(form);
      expect(request.headers, `seed in headers of ${request.url}`).not.toContain(form);
      expect(request.body, `seed in the body of ${request.url}`).not.toContain(form);
    }
  }
  expect(server.logs()).not.toContain(SECRET);
});
