import { existsSync } from "node:fs";
import { join } from "node:path";
import express, { type RequestHandler, type Router } from "express";
import expressStaticGzip from "express-static-gzip";
import { PWA_CONTENT_SECURITY_POLICY, securityHeaders } from "../http/securityHeaders.js";

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Countersign</title></head>
<body><h1>The Countersign app is not built</h1><p>The API is running. Build the app with <code>npm run build</code>
at the repository root, then restart the server.</p></body></html>`;

/**
 * A path that names a file (`/assets/…`, `/icons/…`, or a last segment with
 * an extension such as `/nope.js`) rather than a screen of the app. When no
 * such file was built, the answer is 404: the app's HTML under a script's or
 * an image's URL only hides the mistake (and a stale page asking for an
 * old hashed chunk would get HTML and fail to parse it as script).
 */
function namesAFile(path: string): boolean {
  return path.startsWith("/assets/") || path.startsWith("/icons/") || /\/[^/]*\.[A-Za-z0-9]+$/.test(path);
}

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
 * is index.html; other paths that name a screen get shell.html, the same
 * app without the static first paint (the app routes on the client); paths
 * that name a file that is not there get 404. Without a build, every page
 * says how to build it.
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
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    if (namesAFile(req.path)) {
      res.status(404).type("text/plain").setHeader("Cache-Control", "no-cache").send("Not found\n");
      return;
    }
    // "/" is index.html, which first paints a new phone's code list; every other screen is the
    // shell, which paints only once the app knows what to show (web/src/firstPaint.ts).
    req.url = existsSync(shell) ? "/shell.html" : "/index.html";
    files(req, res, next);
  });
  return router;
}
