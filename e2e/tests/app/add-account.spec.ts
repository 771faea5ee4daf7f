import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import QRCode from "qrcode";
import { expect, test } from "../../fixtures.js";
import { codeButton, grouped, testAccount, totpAt, trackCspViolations } from "./support/app.js";

const AT = Date.UTC(2026, 10, 22, 9, 30, 5);

test("manual entry with advanced settings gives the right codes", async ({ page }) => {
  const account = testAccount("ACME", "ops@example.com", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", {
    algorithm: "SHA256",
    digits: 8,
    period: 60,
  });
  await page.clock.setFixedTime(AT);
  await page.goto("/add");
  await page.getByRole("button", { name: "Manual" }).click();
  await page.getByLabel("Issuer").fill(account.issuer);
  await page.getByLabel("Account name").fill(account.label);
  await page.getByLabel("Secret key").fill("gezd gnbv gy3t qojq gezd gnbv gy3t qojq");
  await page.getByText("Advanced").click();
  await page.getByLabel("Algorithm").selectOption("SHA256");
  await page.getByLabel("Digits").fill("8");
  await page.getByLabel("Period").fill("60");
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(codeButton(page, account)).toContainText(grouped(await totpAt(account, AT)));
});

test("manual entry says what is wrong and adds nothing", async ({ page }) => {
  await page.goto("/add");
  await page.getByRole("button", { name: "Manual" }).click();
  await page.getByLabel("Issuer").fill("npm");
  await page.getByLabel("Account name").fill("alice");
  await page.getByLabel("Secret key").fill("JBSWY3DPEHPK3PX1");
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(page.getByRole("alert")).toContainText('"1", which is not a base32 character');
  await page.getByLabel("Secret key").fill("JBSWY3DPEHPK3PXP");
  await page.getByText("Advanced").click();
  await page.getByLabel("Digits").fill("9");
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(page.getByRole("alert")).toContainText("Digits must be 6 to 8");
  await page.goto("/");
  await expect(page.getByText("No accounts yet")).toBeVisible();
});

test("pasting an otpauth:// URI adds the account; a bad one and a duplicate are refused", async ({ page }) => {
  const account = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");
  await page.clock.setFixedTime(AT);
  await page.goto("/add");
  await page.getByRole("button", { name: "Paste" }).click();
  await page.getByLabel("otpauth:// link").fill("otpauth://hotp/npm:alice?secret=JBSWY3DPEHPK3PXP&counter=3");
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(page.getByRole("alert")).toContainText("HOTP");
  await page.getByLabel("otpauth:// link").fill(account.uri);
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(codeButton(page, account)).toContainText(grouped(await totpAt(account, AT)));

  await page.goto("/add");
  await page.getByRole("button", { name: "Paste" }).click();
  await page.getByLabel("otpauth:// link").fill(account.uri.replace("alice", "alice2"));
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(page.getByRole("alert")).toContainText('already in Countersign as "npm: alice"');
  await page.goto("/");
  await expect(page.getByRole("list", { name: "Accounts" }).getByRole("listitem")).toHaveCount(1);
});

test("uploading a screenshot of the QR code adds the account", async ({ page }) => {
  const account = testAccount("GitHub", "octocat", "GEZDGNBVGY3TQOJQ");
  const png = await QRCode.toBuffer(account.uri, { width: 320, margin: 4 });
  const cspViolations = await trackCspViolations(page);
  await page.clock.setFixedTime(AT);
  await page.goto("/add");
  await page.getByRole("button", { name: "Image" }).click();
  await page.getByLabel("Upload image").setInputFiles({ name: "qr.png", mimeType: "image/png", buffer: png });
  await expect(codeButton(page, account)).toContainText(grouped(await totpAt(account, AT)), { timeout: 15_000 });
  expect(cspViolations()).toEqual([]);
});

test("an image without a QR code is refused with an explanation", async ({ page }) => {
  // The app icon: a real image with no QR code in it.
  const picture = readFileSync(fileURLToPath(new URL("../../../web/public/icons/icon-192.png", import.meta.url)));
  await page.goto("/add");
  await page.getByRole("button", { name: "Image" }).click();
  await page.getByLabel("Upload image").setInputFiles({ name: "icon.png", mimeType: "image/png", buffer: picture });
  await expect(page.getByRole("alert")).toContainText("No QR code was found", { timeout: 15_000 });
});
