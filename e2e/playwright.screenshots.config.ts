import { defineConfig, devices } from "@playwright/test";
import base from "./playwright.config.js";

/** `npm run screenshots -w e2e`: renders the README's screenshots into docs/screenshots/. */
export default defineConfig({
  ...base,
  testDir: "./screenshots",
  reporter: [["list"]],
  use: {
    ...base.use,
    ...devices["Pixel 7"],
    launchOptions: base.use?.launchOptions,
    deviceScaleFactor: 1,
  },
});
