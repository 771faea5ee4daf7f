import { existsSync } from "node:fs";
import { join } from "node:path";
import express, { type RequestHandler, type Router } from "express";
import expressStaticGzip from "express-static-gzip";
import { PWA_CONTENT_SECURITY_POLICY, securityHeaders } from "../http/securityHeaders.js";
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
 * is index.html; the app's other screens get shell.html, the same app
 * without the static first paint (the app routes on the client); any other
 * path — a file that was not built, /healthz, /metrics — is 404, so neither
 * a probe nor a script tag mistakes the app's HTML for what it asked for.
 * Without a build, every page says how to build it.
 */
export function serveWeb(webDir: string): Router {
  const router = express.Router();
  router.use(securityHeaders(PWA_CONTENT_SECURITY_POLICY));
  const index = join(webDir, "index.html");
  const shell = join(webDir, "shell.html");
  if (!existsSync(index)) {
    router.use((req, res, next) => {
      if (req.method !== "GET" && req.method !== "HEAD") return next();
      res.status(503).type("html").setHeader("Cache-Control", "no-cache").send(NOT_BUILT);
    });
    return router;
  }
  const files: RequestHandler = expressStaticGzip(webDir, {
    enableBrotli: true,
    orderPreference: ["br", "gzip"],
    index: "index.html",
    serveStatic: {
      index: false,
      redirect: false,
      fallthrough: true,
      setHeaders(res, path) {
        const relative = path.slice(webDir.length).replace(/\\/g, "/");
        res.setHeader(
          "Cache-Control",
          relative.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
        );
      },
    },
  });
  router.use(files);
  router.use((req, res, next) => {
    if ((req.method !== "GET" && req.method !== "HEAD") || !isAppRoute(req.path)) return next();
    // "/" is index.html, which first paints a new phone's code list; every other screen is the
    // shell, which paints only once the app knows what to show (web/src/firstPaint.ts).
    req.url = req.path === "/" || !existsSync(shell) ? "/index.html" : "/shell.html";
    files(req, res, next);
  });
  router.use((_req, res) => {
    res.status(404).type("text/plain").setHeader("Cache-Control", "no-cache").send("Not found\n");
  });
  return router;
}
