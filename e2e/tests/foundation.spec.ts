import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { expect, test, waitForServiceWorker } from "../fixtures.js";
import { CHROMIUM_ARGS } from "../helpers/chromium.js";

test("the server answers its health check", async ({ request, server }) => {
  const response = await request.get(`${server.origin}/api/v1/health`);
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", store: "sqlite" });
});

test("the app shell loads, its service worker activates, and it loads again offline", async ({ page, context }) => {
  await page.goto("/");
  await expect(page).toHaveTitle(/Countersign/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await waitForServiceWorker(page);

  await context.setOffline(true);
  await page.reload();
  await expect(page).toHaveTitle(/Countersign/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.goto("/pair");
  await expect(page.getByLabel("Setup code")).toBeVisible();
  await context.setOffline(false);
});

test("the app is installable: the manifest has no installability errors", async ({ server }, testInfo) => {
  // Installability is only judged outside incognito, so this test needs a persistent profile.
  const profile = mkdtempSync(join(tmpdir(), "countersign-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: testInfo.project.use.launchOptions?.executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.origin);
    await waitForServiceWorker(page);
    const manifest = await (await page.request.get(`${server.origin}/manifest.webmanifest`)).json();
    expect(manifest).toMatchObject({ name: "Countersign", display: "standalone", start_url: "/" });
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    expect(installabilityErrors).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
