import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { expect, test, waitForServiceWorker } from "../../fixtures.js";
import { WEB_DIST } from "../../helpers/paths.js";
import { startServer } from "../../helpers/server.js";

test("a new version is offered with an update prompt and taken on request", async ({ page }) => {
  // A server of its own over a copy of the build, so the test can publish "a new version".
  const webDir = join(mkdtempSync(join(tmpdir(), "countersign-web-")), "dist");
  cpSync(WEB_DIST, webDir, { recursive: true });
  const server = await startServer({ env: { COUNTERSIGN_WEB_DIR: webDir } });
  try {
    await page.goto(server.origin);
    await waitForServiceWorker(page);
    await expect(page.getByText("A new version of Countersign is ready.")).toBeHidden();

    // Published as a build publishes it: the worker and its precompressed copies (Chromium is sent sw.js.br).
    const worker = join(webDir, "sw.js");
    appendFileSync(worker, "\n// next release\n");
    writeFileSync(`${worker}.br`, brotliCompressSync(readFileSync(worker)));
    writeFileSync(`${worker}.gz`, gzipSync(readFileSync(worker)));
    await page.goto(`${server.origin}/settings`);
    await page.getByRole("button", { name: "Check for updates" }).click();
    await expect(page.getByText("A new version of Countersign is ready.")).toBeVisible({ timeout: 15_000 });

    const reloaded = page.waitForEvent("load");
    await page.getByRole("button", { name: "Update", exact: true }).click();
    await reloaded;
    await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
    await expect(page.getByText("A new version of Countersign is ready.")).toBeHidden();
    // The new worker took over: nothing is left waiting.
    const state = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return { waiting: registration.waiting !== null, active: registration.active?.state };
    });
    expect(state).toEqual({ waiting: false, active: "activated" });
  } finally {
    await server.stop();
  }
});
