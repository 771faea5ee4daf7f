import { test as base, expect, type Page } from "@playwright/test";
import { type PushService, startPushService } from "./harness/push-service.js";
import { connectPush, type PushBridge } from "./helpers/pushBridge.js";
import { type ServerHandle, startServer } from "./helpers/server.js";

export { expect };

interface Fixtures {
  /**
   * Extra environment for the `server` process, e.g. COUNTERSIGN_OIDC_ISSUERS.
   * Set it with `test.use({ serverEnv: {...} })`, or override it with a
   * fixture function when it depends on another fixture.
   */
  serverEnv: Record<string, string>;
  /** A fresh server process and data directory for this test; baseURL points at it. */
  server: ServerHandle;
  /** The local Web Push service the server is allowed to post to. */
  pushService: PushService;
  /** The page's push subscription and its delivery to the service worker. */
  push: PushBridge;
}

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a destructured object.
  pushService: async ({}, use) => {
    const service = await startPushService();
    await use(service);
    await service.close();
  },
  serverEnv: [{}, { option: true }],
  server: async ({ pushService, serverEnv }, use, testInfo) => {
    const server = await startServer({
      env: { COUNTERSIGN_PUSH_ALLOW: new URL(pushService.origin).host, ...serverEnv },
    });
    await use(server);
    await server.stop();
    if (testInfo.status !== testInfo.expectedStatus) {
      // Warnings and errors first: a reporter shows only the start of a text attachment.
      const lines = server.logs().split("\n");
      const notable = lines.filter((line) => /"level":"(warn|error)"/.test(line));
      const body = [...notable, ...(notable.length ? ["--- the whole log:"] : []), ...lines].join("\n");
      await testInfo.attach("server.log", { body, contentType: "text/plain" });
    }
  },
  baseURL: async ({ server }, use) => {
    await use(server.origin);
  },
  push: [
    async ({ context, page, pushService, server }, use, testInfo) => {
      const bridge = await connectPush(context, page, pushService, server.origin);
      await use(bridge);
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach("push.txt", { body: bridge.report(), contentType: "text/plain" });
      }
      await bridge.stop();
    },
    { auto: true },
  ],
});

/** Opens the pairing link the server printed and pairs the page's device. */
export async function pairPage(page: Page, server: ServerHandle, name?: string): Promise<void> {
  await page.goto(server.pairUrl);
  await expect(page.getByLabel("Setup code")).toHaveValue(server.setupCode);
  if (name) await page.getByLabel(/device name/i).fill(name);
  await page.getByRole("button", { name: "Pair this device" }).click();
  await expect(page.getByRole("button", { name: "Pair this device" })).toBeHidden();
}

/**
 * Waits until the service worker is activated and controls the page
 * (`ready` can resolve while it is still activating; a worker that does not
 * claim open clients controls the page only after a reload).
 */
export async function waitForServiceWorker(page: Page): Promise<void> {
  const controlled = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (worker && worker.state !== "activated") {
      await new Promise<void>((resolve) => {
        worker.addEventListener("statechange", () => worker.state === "activated" && resolve());
      });
    }
    return navigator.serviceWorker.controller !== null;
  });
  if (!controlled) await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe("activated");
}
