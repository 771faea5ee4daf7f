import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "../../../e2e/helpers/chromium.js";
import { REPO_ROOT, startServerProcess } from "../lib/serverProcess.js";

const WEB_DIST = join(REPO_ROOT, "web/dist");

export interface PwaResults {
  /** Files index.html loads up front (entry script, modulepreloads, stylesheets), gzipped bytes. */
  staticFirstScreen: { files: { file: string; gzipped: number }[]; totalKb: number };
  /** JS and CSS the browser actually fetched to show the code list, gzipped bytes. */
  loadedFirstScreen: { files: { file: string; gzipped: number }[]; totalKb: number; scannerLoaded: boolean };
  /** Cold starts (new browser process, network off): navigation start → first code on screen, ms. */
  coldOfflineMs: number[];
}

/** What index.html references directly, with each file's gzipped size. */
export function firstScreenFromIndex() {
  const html = readFileSync(join(WEB_DIST, "index.html"), "utf8");
  const refs = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] as string);
  const files = [...new Set(refs)].map((file) => ({
    file,
    gzipped: gzipSync(readFileSync(join(WEB_DIST, file))).length,
  }));
  return { files, totalKb: files.reduce((sum, f) => sum + f.gzipped, 0) / 1024 };
}

const TOTP_URI = "otpauth://totp/npm:alice?secret=JBSWY3DPEHPK3PXP&issuer=npm";

/**
 * Pairs the app in a persistent Chromium profile and adds an account (online),
 * then `coldStarts` times: a new browser process, network off and the server
 * stopped, open the app and time until a code shows.
 */
export async function benchPwa(options: { coldStarts: number; log?: (line: string) => void }): Promise<PwaResults> {
  if (!existsSync(join(WEB_DIST, "index.html"))) throw new Error("web/dist is missing: run npm run build first");
  const staticFirstScreen = firstScreenFromIndex();
  const profile = mkdtempSync(join(tmpdir(), "countersign-bench-chromium-"));
  const server = await startServerProcess({ host: "localhost" });
  const origin = server.origin;
  const launch = () =>
    chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  try {
    const loaded: { file: string; gzipped: number }[] = [];
    let context = await launch();
    let page = context.pages()[0] ?? (await context.newPage());
    page.on("response", async (response) => {
      const url = new URL(response.url());
      if (!/\.(js|css)$/.test(url.pathname) || url.pathname === "/sw.js") return;
      try {
        loaded.push({ file: url.pathname.slice(1), gzipped: gzipSync(await response.body()).length });
      } catch {
        // a response without a body (redirect, abort)
      }
    });
    await page.goto(`${origin}/pair#code=${server.setupCode}`);
    await page
      .getByRole("button", { name: "Pair this device" })
      .click()
      .catch(async (error: unknown) => {
        throw new Error(`${String(error)}\nthe page shows: ${await page.locator("body").textContent()}`);
      });
    await page.getByRole("button", { name: "Pair this device" }).waitFor({ state: "hidden" });
    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      const worker = registration.active;
      if (worker && worker.state !== "activated") {
        await new Promise<void>((resolve) => {
          worker.addEventListener("statechange", () => worker.state === "activated" && resolve());
        });
      }
    });
    // The first screen of a paired app, from a fresh load: what it fetched.
    loaded.length = 0;
    await page.goto(`${origin}/`);
    await page.getByRole("link", { name: "Add account" }).waitFor();
    await page.waitForLoadState("networkidle");
    const firstScreen = [...loaded];
    const scannerLoaded = firstScreen.some((f) => /scanner|html5-qrcode|esm-/.test(f.file));
    await page.getByRole("link", { name: "Add account" }).click();
    await page.getByRole("button", { name: "Paste" }).click();
    await page.getByLabel("otpauth:// link").fill(TOTP_URI);
    await page.getByRole("button", { name: "Add account" }).click();
    await page.getByTestId("code").first().waitFor();
    await context.close();
    await server.kill("SIGTERM");

    const coldOfflineMs: number[] = [];
    for (let i = 0; i < options.coldStarts; i++) {
      context = await launch();
      await context.setOffline(true);
      page = context.pages()[0] ?? (await context.newPage());
      const started = performance.now();
      await page.goto(`${origin}/`);
      await page
        .getByTestId("code")
        .first()
        .filter({ hasText: /^\d{3} \d{3}$/ })
        .waitFor({ timeout: 30_000 });
      coldOfflineMs.push(performance.now() - started);
      await context.close();
    }
    return {
      staticFirstScreen,
      loadedFirstScreen: {
        files: firstScreen,
        totalKb: firstScreen.reduce((sum, f) => sum + f.gzipped, 0) / 1024,
        scannerLoaded,
      },
      coldOfflineMs,
    };
  } finally {
    await server.kill("SIGTERM");
    rmSync(profile, { recursive: true, force: true });
  }
}
