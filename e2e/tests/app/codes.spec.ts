import { expect, test, waitForServiceWorker } from "../../fixtures.js";
import { addAccountByUri, codeButton, grouped, openAccount, testAccount, totpAt } from "./support/app.js";

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");
const github = testAccount("GitHub", "octocat", "GEZDGNBVGY3TQOJQ");

test("codes follow the clock with a countdown, and a tap copies the code", async ({ page, context, server }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.origin });
  const start = Date.UTC(2026, 10, 22, 10, 0, 20);
  await page.clock.install({ time: start - 8_000 });
  await page.goto("/");
  await addAccountByUri(page, npm);
  await page.clock.pauseAt(start);
  const row = page.getByRole("listitem").filter({ hasText: "alice" });
  await expect(codeButton(page, npm)).toContainText(grouped(await totpAt(npm, start)));
  await expect(row.getByRole("timer")).toHaveAccessibleName(/^1[01] seconds left$/);
  await page.clock.runFor(12_000);
  await expect(codeButton(page, npm)).toContainText(grouped(await totpAt(npm, start + 12_000)));
  await expect(row.getByRole("timer")).toHaveAccessibleName(/^(28|29) seconds left$/);

  await codeButton(page, npm).click();
  await expect(page.getByRole("status").filter({ hasText: "Code copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await totpAt(npm, start + 12_000));
});

test("the countdown does not move when 10 seconds turn into 9", async ({ page }) => {
  const start = Date.UTC(2026, 10, 22, 10, 0, 19); // 11 s left in the period
  await page.clock.install({ time: start - 8_000 });
  await page.goto("/");
  await addAccountByUri(page, npm);
  await page.clock.pauseAt(start);
  const timer = page.getByRole("listitem").filter({ hasText: "alice" }).getByRole("timer");
  await expect(timer).toHaveAccessibleName("11 seconds left");
  const text = timer.locator(".countdown-text");
  const before = await text.boundingBox();
  await page.clock.runFor(2_000);
  await expect(timer).toHaveAccessibleName("9 seconds left");
  expect(await text.boundingBox()).toEqual(before);
});

test("search, rename and delete with confirmation", async ({ page }) => {
  await page.goto("/");
  await addAccountByUri(page, npm);
  await addAccountByUri(page, github);
  const list = page.getByRole("list", { name: "Accounts" });
  await page.getByLabel("Search accounts").fill("octo");
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list).toContainText("octocat");
  await page.getByLabel("Search accounts").fill("");
  await expect(list.getByRole("listitem")).toHaveCount(2);

  await openAccount(page, npm);
  await page.getByRole("button", { name: "Rename", exact: true }).click();
  await page.getByLabel("Account name").fill("alice-work");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "npm: alice-work" })).toBeVisible();

  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Delete npm: alice-work?");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete account" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Countersign" })).toBeVisible();
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list).not.toContainText("alice");
});

test("after the first visit, codes show with the network off", async ({ page, context }) => {
  await page.goto("/");
  await waitForServiceWorker(page);
  await addAccountByUri(page, npm);
  await context.setOffline(true);
  await page.reload();
  await expect(codeButton(page, npm).getByTestId("code")).toHaveText(/^\d{3} \d{3}$/);
  const shown = (await codeButton(page, npm).getByTestId("code").textContent()) ?? "";
  const now = Date.now();
  expect([grouped(await totpAt(npm, now - 30_000)), grouped(await totpAt(npm, now))]).toContain(shown);
  await page.goto("/accounts/whatever");
  await expect(page.getByText("This account is not on this device.")).toBeVisible();
  await context.setOffline(false);
});
