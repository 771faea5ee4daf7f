import { gzipSync } from "node:zlib";
import { expect, test } from "../../fixtures.js";

test("the first screen loads less than 100 KB of gzipped JS and CSS, without the QR scanner", async ({ page }) => {
  const loaded: { url: string; gzipped: number }[] = [];
  page.on("response", async (response) => {
    const type = response.request().resourceType();
    if (type !== "script" && type !== "stylesheet") return;
    const body = await response.body().catch(() => Buffer.alloc(0));
    loaded.push({ url: response.url(), gzipped: gzipSync(body).length });
  });
  await page.goto("/");
  await expect(page.getByText("No accounts yet")).toBeVisible();
  await page.waitForLoadState("networkidle");
  const total = loaded.reduce((sum, file) => sum + file.gzipped, 0);
  expect(total, loaded.map((f) => `${f.url} ${f.gzipped}`).join("\n")).toBeLessThan(100 * 1024);
  const scanner = await page.evaluate(() => performance.getEntriesByType("resource").map((entry) => entry.name));
  expect(scanner.filter((name) => /scanner|html5-qrcode|esm-/.test(name))).toEqual([]);

  // The scanner arrives when it is needed.
  await page.getByRole("link", { name: "Add account" }).click();
  await expect
    .poll(() => page.evaluate(() => performance.getEntriesByType("resource").some((e) => /scanner/.test(e.name))))
    .toBe(true);
});
