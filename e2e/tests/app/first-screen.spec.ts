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
  // So does the screen's own stylesheet, once, with its chunk (web/build/preloadHelper.js): the method
  // switch is laid out by it (a fieldset is a block without it).
  const methods = page.getByRole("group", { name: "How to add the account" });
  await expect(methods).toBeVisible();
  expect(await methods.evaluate((element) => getComputedStyle(element).display)).toBe("grid");
  expect(await page.locator('link[rel="stylesheet"][href^="/assets/AddAccount-"]').count()).toBe(1);
});

for (const [path, screenChunk] of [
  ["/", undefined],
  ["/pair", /^\/assets\/Pair-[\w-]+\.js$/],
  ["/approve/none", /^\/assets\/Approval-[\w-]+\.js$/],
] as const) {
  test(`${path} asks the network only for what its first screen needs; the favicon is in the page, the service worker is registered after load`, async ({
    page,
  }) => {
    // When the page registers its service worker: the document's state at that call.
    await page.addInitScript(() => {
      const container = navigator.serviceWorker;
      const register = container.register.bind(container);
      container.register = (...args: Parameters<typeof register>) => {
        (window as unknown as { registeredAt?: string }).registeredAt = document.readyState;
        return register(...args);
      };
    });
    const requested: string[] = [];
    const events: string[] = [];
    page.on("request", (request) => {
      requested.push(new URL(request.url()).pathname);
      events.push(`request ${new URL(request.url()).pathname}`);
    });
    page.on("requestfinished", (request) => events.push(`finished ${new URL(request.url()).pathname}`));
    const html = await (await page.goto(path))?.text();
    await page.waitForLoadState("networkidle");
    // The page names no manifest: the browser would fetch it and its icon while the screen loads.
    // The code list and the pairing screen link it once the app starts (the app is installable from
    // there: foundation.spec.ts); the approval screen, opened to answer one request, does not.
    expect(html).not.toContain('rel="manifest"');
    const manifest = await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="manifest"]')?.href);
    if (path.startsWith("/approve/")) expect(manifest).toBeUndefined();
    else expect(manifest).toMatch(/\/manifest\.webmanifest$/);
    // The approval screen's signed call needs the state chunk (IndexedDB, the signing client): the
    // page names it before anything else it loads, so that it is asked for first.
    if (path.startsWith("/approve/")) {
      expect(html?.match(/<(link rel="modulepreload"|script type="module")[^>]*>/)?.[0]).toMatch(
        /<link rel="modulepreload" crossorigin href="\/assets\/state-[\w-]+\.js">/,
      );
    }
    // The service worker is registered with workbox-window (in the app's chunk, not a file of its
    // own) once the page has loaded.
    const worker = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
    expect(worker).toMatch(/\/sw\.js$/);
    expect(await page.evaluate(() => (window as unknown as { registeredAt?: string }).registeredAt)).toBe("complete");
    expect(requested.filter((name) => /workbox-window/.test(name))).toEqual([]);
    expect(requested.filter((name) => /favicon|apple-touch-icon/.test(name))).toEqual([]);
    // The icon is an SVG data URI that draws the app's icon: rendered at 32 × 32, it matches the
    // PNG that web/scripts/make-icons.mjs computes (and notifications use as their badge).
    const icon = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href ?? "";
      const pixels = async (src: string) => {
        const image = new Image();
        image.src = src;
        await image.decode();
        const canvas = document.createElement("canvas");
        canvas.width = 32;
        canvas.height = 32;
        const context = canvas.getContext("2d");
        if (!context) throw new Error("no 2d context");
        context.drawImage(image, 0, 0, 32, 32);
        return context.getImageData(0, 0, 32, 32).data;
      };
      const [drawn, png] = await Promise.all([pixels(href), pixels("/icons/favicon-32.png")]);
      let difference = 0;
      for (let i = 0; i < drawn.length; i++) difference += Math.abs((drawn[i] ?? 0) - (png[i] ?? 0));
      return { scheme: href.slice(0, 19), meanDifference: difference / drawn.length };
    });
    expect(icon.scheme).toBe("data:image/svg+xml,");
    // Edges are anti-aliased in one and not in the other: a few percent at most, not another picture.
    expect(icon.meanDifference).toBeLessThan(4);
    // The painted screen's own chunk is asked for by the entry, together with the app: before the
    // app's script has even arrived (the app itself would ask for it only once it runs).
    const screenRequested = events.findIndex((event) => screenChunk?.test(event.replace("request ", "")));
    const appArrived = events.findIndex((event) => /^finished \/assets\/boot-/.test(event));
    if (screenChunk) {
      expect(requested.filter((name) => screenChunk.test(name))).toHaveLength(1);
      expect(screenRequested, events.join("\n")).toBeGreaterThanOrEqual(0);
      expect(screenRequested, events.join("\n")).toBeLessThan(appArrived);
      // So are the small chunks the screen shares with other screens (the pairing form's fields).
      const screenPath = requested.find((name) => screenChunk.test(name)) ?? "";
      const code = await (await page.request.get(screenPath)).text();
      const shared = [...code.matchAll(/from"\.\/([\w.-]+\.js)"/g)]
        .map(([, file]) => `/assets/${file}`)
        .filter((file) => !/\/(boot|state|main|rolldown-runtime|prefetch)-/.test(file));
      for (const file of shared) {
        expect(events.indexOf(`request ${file}`), events.join("\n")).toBeGreaterThanOrEqual(0);
        expect(events.indexOf(`request ${file}`), events.join("\n")).toBeLessThan(appArrived);
      }
      // The code list and the app lock's gate are a chunk of their own, which these screens do not
      // download.
      expect(
        requested.filter((name) => /\/assets\/codeList-/.test(name)),
        events.join("\n"),
      ).toEqual([]);
    } else {
      expect(requested.filter((name) => /\/assets\/(Pair|Approval)-/.test(name))).toEqual([]);
      // The code list's chunk is asked for by the entry with the app, not once the app runs.
      const codeList = events.findIndex((event) => /^request \/assets\/codeList-[\w-]+\.js$/.test(event));
      expect(codeList, events.join("\n")).toBeGreaterThanOrEqual(0);
      expect(codeList, events.join("\n")).toBeLessThan(appArrived);
    }
  });
}

test("a new phone's code list is five scripts: one in the page, then the app in four", async ({ page }) => {
  const scripts: string[] = [];
  page.on("request", (request) => {
    if (request.resourceType() === "script") scripts.push(new URL(request.url()).pathname);
  });
  const html = await (await page.goto("/"))?.text();
  await expect(page.getByText("No accounts yet")).toBeVisible();
  await page.waitForLoadState("networkidle");
  // The page names its entry alone: no per-page wrapper around a shared entry, nothing to preload.
  expect(html?.match(/<script[^>]*>/g), html).toEqual([expect.stringMatching(/src="\/assets\/main-[\w-]+\.js"/)]);
  expect(html).not.toContain("modulepreload");
  // The entry, React DOM with the app's frame and workbox-window (boot), the code list with the app
  // lock's gate (codeList: the pairing and approval screens do without it), what the screens share
  // (state), the bundler's helpers: each once, and nothing else.
  const names = scripts.map((path) => path.replace(/^\/assets\/(.+)-[\w-]{8}\.js$/, "$1")).sort();
  expect(names, scripts.join("\n")).toEqual(["boot", "codeList", "main", "rolldown-runtime", "state"]);
});
