import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";
import { expect, test, waitForServiceWorker } from "../fixtures.js";
import { CHROMIUM_ARGS } from "../helpers/chromium.js";
import { WEB_DIST } from "../helpers/paths.js";
import { rawGet } from "../helpers/rawGet.js";

/** Every file of the build a browser would want compressed: scripts, styles, HTML, the manifest, SVG. */
function compressibleFiles(): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (/\.(js|mjs|css|html|webmanifest|svg)$/.test(entry.name)) found.push(`/${relative(WEB_DIST, path)}`);
    }
  };
  visit(WEB_DIST);
  return found;
}

test("the server answers its health check", async ({ request, server }) => {
  const response = await request.get(`${server.origin}/api/v1/health`);
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", store: "sqlite" });
});

test("every compressible file of the build is sent brotli, gzip or as it is, as the client accepts, byte for byte", async ({
  server,
}) => {
  const files = compressibleFiles();
  let sentCompressed = 0;
  expect(files).toEqual(expect.arrayContaining(["/index.html", "/sw.js", "/manifest.webmanifest"]));
  expect(files.filter((file) => file.startsWith("/assets/") && file.endsWith(".js")).length).toBeGreaterThan(5);
  for (const file of files) {
    const original = readFileSync(join(WEB_DIST, file));
    // A compressed copy that would not be smaller than the file (a few hundred bytes of JS) is not sent.
    const worthIt = (compressed: Buffer) => compressed.length < original.length;
    const ways = [
      {
        accept: "gzip, deflate, br, zstd",
        encoding: worthIt(brotliCompressSync(original)) ? "br" : undefined,
        decode: brotliDecompressSync,
      },
      {
        accept: "gzip, deflate",
        encoding: worthIt(gzipSync(original, { level: 9 })) ? "gzip" : undefined,
        decode: gunzipSync,
      },
      { accept: undefined, encoding: undefined, decode: (body: Buffer) => body },
    ];
    for (const { accept, encoding, decode } of ways) {
      const reply = await rawGet(`${server.origin}${file}`, accept);
      const what = `${file} (Accept-Encoding: ${accept ?? "none"})`;
      expect(reply.status, what).toBe(200);
      expect(reply.headers["content-encoding"], what).toBe(encoding);
      expect(reply.headers.vary, what).toMatch(/Accept-Encoding/i);
      expect(Number(reply.headers["content-length"]), what).toBe(reply.body.length);
      expect((encoding ? decode(reply.body) : reply.body).equals(original), what).toBe(true);
      // A page or the worker's script is a document and gets the app's CSP; a script, stylesheet,
      // icon or the manifest gets the headers that protect any response (docs/server.md).
      const subresource = /^\/(assets|icons)\/|^\/manifest\.webmanifest$|^\/robots\.txt$/.test(file);
      if (subresource) expect(reply.headers["content-security-policy"], what).toBeUndefined();
      else expect(reply.headers["content-security-policy"], what).toContain("default-src 'self'");
      expect(reply.headers["x-content-type-options"], what).toBe("nosniff");
      expect(reply.headers["cross-origin-resource-policy"], what).toBe("same-origin");
      expect(reply.headers["cache-control"], what).toBe(
        file.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      );
      if (encoding) sentCompressed++;
    }
  }
  expect(sentCompressed).toBeGreaterThan(files.length * 1.8); // nearly every file, both ways
  // API answers are never compressed: they carry codes and tokens (BREACH), and are small.
  const health = await rawGet(`${server.origin}/api/v1/health`, "gzip, deflate, br");
  expect(health.status).toBe(200);
  expect(health.headers["content-encoding"]).toBeUndefined();
});

test("/robots.txt is the file, and a file that was not built is 404, not the app", async ({ server }) => {
  const robots = await rawGet(`${server.origin}/robots.txt`);
  expect(robots.status).toBe(200);
  expect(robots.headers["content-type"]).toMatch(/^text\/plain/);
  expect(robots.body.toString()).toBe(readFileSync(join(WEB_DIST, "robots.txt"), "utf8"));
  expect(robots.body.toString()).toContain("Disallow: /");
  for (const path of ["/assets/nope.js", "/assets/index-00000000.css", "/icons/nope.png", "/nope.js"]) {
    const reply = await rawGet(`${server.origin}${path}`, "gzip, br");
    expect(reply.status, path).toBe(404);
    expect(reply.headers["content-type"], path).not.toMatch(/html/);
  }
  expect((await rawGet(`${server.origin}/approve/some-request`)).status).toBe(200); // a screen: the app
});

test("the app shell loads, its service worker activates, and it loads again offline", async ({ page, context }) => {
  // What the page and the worker's precache are sent: brotli (Chromium accepts it).
  const encodings = new Map<string, string | undefined>();
  context.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (/\.(js|css|html)$|^\/$/.test(path)) encodings.set(path, response.headers()["content-encoding"]);
  });
  await page.goto("/");
  await expect(page).toHaveTitle(/Countersign/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await waitForServiceWorker(page);
  expect(encodings.get("/")).toBe("br");
  expect([...encodings].filter(([path]) => path.startsWith("/assets/")).map(([, e]) => e)).not.toContain(undefined);
  // The precache holds the brotli responses, decoded by the browser: the worker serves them as they are.
  const cached = await page.evaluate(async () => {
    const script = document.querySelector<HTMLScriptElement>("script[type=module][src]")?.src ?? "";
    const response = await caches.match(new URL(script).pathname, { ignoreSearch: true });
    return { encoding: response?.headers.get("content-encoding"), start: (await response?.text())?.slice(0, 200) };
  });
  expect(cached.encoding).toBe("br");
  expect(cached.start).toMatch(/import|function|const|var|let/);

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
