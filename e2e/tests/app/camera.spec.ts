import { expect, test } from "../../fixtures.js";
import { cameraShowingQr } from "../../helpers/camera.js";
import { codeButton, grouped, testAccount, totpAt, trackCspViolations } from "./support/app.js";

const account = testAccount("RubyGems", "maintainer", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U");
test.use(cameraShowingQr(account.uri));

test("scanning the QR code with the camera adds the account", async ({ page }) => {
  const cspViolations = await trackCspViolations(page);
  const at = Date.UTC(2026, 10, 22, 9, 30, 5);
  await page.clock.setFixedTime(at);
  // No tap: the camera is the first way, and it starts at once. (Checking the "Camera" button
  // first would race the scan, which can add the account and leave the screen before.)
  await page.goto("/add");
  await expect(codeButton(page, account)).toContainText(grouped(await totpAt(account, at)), { timeout: 20_000 });
  // The camera is released once the account is added.
  await expect.poll(() => page.evaluate(() => document.querySelectorAll("video").length)).toBe(0);
  expect(cspViolations()).toEqual([]);
});
