import { existsSync } from "node:fs";

/** Debian's Chromium (or CHROMIUM_PATH); otherwise undefined, for Playwright's own browser if one is installed. */
export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

/** Flags for a quiet headless Chromium on a CI machine: no sandbox (root in a container), no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
