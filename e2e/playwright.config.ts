import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "./helpers/chromium.js";

export default defineConfig({
  testDir: "./tests",
  // One worker: two give no speed-up on two cores and double camera-decode times.
  workers: 1,
  fullyParallel: false,
  // Whole flows (pairing, scanning, CI round trips) on a busy 2-core machine; a hung test still ends.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  // In CI a failed test runs once more: a pass then is reported as "flaky", with the first
  // attempt's error and attachments (server log, push path), and does not fail the run.
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    headless: true,
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
});
