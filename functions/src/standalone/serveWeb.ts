import { existsSync } from "node:fs";
import { join } from "node:path";
import express, { type RequestHandler, type Router } from "express";
import expressStaticGzip from "express-static-gzip";
import { isSubresourcePath, PWA_CONTENT_SECURITY_POLICY, responseHeaders } from "../http/securityHeaders.js";
import { isAppRoute } from "./appRoutes.js";

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Countersign</title></head>
<body><h1>The Countersign app is not built</h1><p>The API is running. Build the app with <code>npm run build</code>
at the repository root, then restart the server.</p></body></html>`;

/**
 * Serves the built PWA with its CSP.
 *
 * Compressible files (JS, CSS, HTML, the manifest, SVG, robots.txt) are
 * compressed at build time (`.br` and `.gz` beside each, web/vite.config.ts)
 * and sent as the client's Accept-Encoding allows — brotli first, then gzip,
 * else the file itself — with `Vary: Accept-Encoding` and the length of what
 * is sent. Nothing is compressed per request: no CPU per response, and API
 * responses (which carry secrets) are never compressed (BREACH).
 *
 * Hashed files under /assets are cached for good; everything else (HTML,
 * /sw.js, the manifest) is revalidated so a new version is picked up. "/"
 * is index.html, /pair pair.html, /approve/… approve.html (each paints its
 * screen from markup); the app's other screens get shell.html, the same app
 * without a static first paint (the app routes on the client); any other
 * path — a file that was not built, /healthz, /metrics — is 404, so neither
 * a probe nor a script tag mistakes the app's HTML for what it asked for.
 * Without a build, every page says how to build it.
 */
export function serveWeb(webDir: string): Router {
  const router = express.Router();
  const headers = responseHeaders(PWA_CONTENT_SECURITY_POLICY, {}, isSubresourcePath);
  router.use((req, res, next) => {
    // A file of the app is never what a user quotes an X-Request-Id from (an API error is): on HTTP/1.1
    // its ≈ 55 bytes would be repeated on each of the first screen's requests. Its log lines keep the id.
    if (headers.set(req, res)) res.removeHeader("X-Request-Id");
    next();
  });
  if (!existsSync(join(webDir, "index.html"))) {
    router.use((req, res, next) => {
      if (req.method !== "GET" && req.method !== "HEAD") return next();
      res.status(503).type("html").setHeader("Cache-Control", "no-cache").send(NOT_BUILT);
    });
    return router;
  }
  // Hashed files never change: no validators (nothing revalidates them) and no ranges, ≈ 100 bytes
  // less on each of the first screen's requests.
  const assets: RequestHandler = expressStaticGzip(join(webDir, "assets"), {
    enableBrotli: true,
    orderPreference: ["br", "gzip"],
    serveStatic: {
      index: false,
      redirect: false,
      fallthrough: true,
      etag: false,
      lastModified: false,
      acceptRanges: false,
      setHeaders(res) {
        res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
      },
    },
  });
  const files: RequestHandler = expressStaticGzip(webDir, {
    enableBrotli: true,
    orderPreference: ["br", "gzip"],
    index: "index.html",
    serveStatic: {
      index: false,
      redirect: false,
      fallthrough: true,
      // Pages, the manifest and icons are small and fetched whole: no ranges to advertise.
      acceptRanges: false,
      setHeaders(res) {
        res.setHeader("Cache-Control", "no-cache");
      },
    },
  });
  // "/" is index.html, which first paints a new phone's code list; /pair and /approve/… paint their
  // screen from markup too; every other screen is the shell, which paints only once the app knows
  // what to show (web/src/firstPaint.ts). A build without one of them falls back to the shell.
  const built = (page: string) => existsSync(join(webDir, page));
  const pageFor = (path: string) => {
    const page =
      path === "/" ? "index.html" : path === "/pair" ? "pair.html" : path.startsWith("/approve/") ? "approve.html" : "";
    if (page && built(page)) return `/${page}`;
    return built("shell.html") ? "/shell.html" : "/index.html";
  };
  router.use("/assets", assets);
  router.use((req, res, next) => (req.path.startsWith("/assets/") ? next() : files(req, res, next)));
  router.use((req, res, next) => {
    if ((req.method !== "GET" && req.method !== "HEAD") || !isAppRoute(req.path)) return next();
    req.url = pageFor(req.path);
    files(req, res, next);
  });
  router.use((_req, res) => {
    res.status(404).type("text/plain").setHeader("Cache-Control", "no-cache").send("Not found\n");
  });
  return router;
}
