import { existsSync } from "node:fs";
import { join } from "node:path";
import express, { type Router } from "express";
import { PWA_CONTENT_SECURITY_POLICY, securityHeaders } from "../http/securityHeaders.js";
import { isAppRoute } from "./appRoutes.js";

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Countersign</title></head>
<body><h1>The Countersign app is not built</h1><p>The API is running. Build the app with <code>npm run build</code>
at the repository root, then restart the server.</p></body></html>`;

/**
 * Serves the built PWA with its CSP. Hashed files under /assets are cached
 * for good; everything else (HTML, /sw.js, the manifest) is revalidated so a
 * new version is picked up. The app's routes get index.html (the app routes on
 * the client); any other path is 404. Without a build, every page says how to build it.
 */
export function serveWeb(webDir: string): Router {
  const router = express.Router();
  router.use(securityHeaders(PWA_CONTENT_SECURITY_POLICY));
  const index = join(webDir, "index.html");
  if (!existsSync(index)) {
    router.use((req, res, next) => {
      if (req.method !== "GET" && req.method !== "HEAD") return next();
      res.status(503).type("html").setHeader("Cache-Control", "no-cache").send(NOT_BUILT);
    });
    return router;
  }
  router.use(
    express.static(webDir, {
      index: ["index.html"],
      fallthrough: true,
      setHeaders(res, path) {
        const relative = path.slice(webDir.length).replace(/\\/g, "/");
        res.setHeader(
          "Cache-Control",
          relative.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
        );
      },
    }),
  );
  router.use((req, res, next) => {
    if ((req.method !== "GET" && req.method !== "HEAD") || !isAppRoute(req.path)) return next();
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(index);
  });
  router.use((_req, res) => {
    res.status(404).type("text/plain").setHeader("Cache-Control", "no-cache").send("Not found\n");
  });
  return router;
}
