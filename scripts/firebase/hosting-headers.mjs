#!/usr/bin/env node
// Firebase Hosting serves the app itself, so it must send what the standalone server sends for
// it: firebase.json's `hosting.headers` are generated from functions/src/http/securityHeaders.ts
// (built) and the standalone server's caching rules, never edited by hand.
//
//   node scripts/firebase/hosting-headers.mjs --write   (after changing securityHeaders.ts; needs `npx tsc -b`)
//   node scripts/firebase/hosting-headers.mjs --check   (exit 1 when firebase.json differs)
//
// A unit test (functions/src/http/hostingHeaders.test.ts) and the Firebase smoke test check it.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Every path but /api/**: Hosting's headers apply to the app's files and pages only. */
const NOT_API = "^/([^a].*|a([^p].*)?|ap([^i].*)?|api([^/].*)?)?$";

/**
 * The `hosting.headers` of firebase.json for the given header set: the security headers and
 * CSP on every app path, HSTS (Hosting is https only), and serveWeb's caching — revalidate
 * pages, /sw.js and the manifest, keep hashed /assets/** for a year.
 */
export function hostingHeaders({ common, csp, hsts }) {
  const pairs = (headers) => Object.entries(headers).map(([key, value]) => ({ key, value }));
  return [
    {
      regex: NOT_API,
      headers: pairs({ ...common, "Content-Security-Policy": csp, "Strict-Transport-Security": hsts }),
    },
    { regex: NOT_API, headers: pairs({ "Cache-Control": "no-cache" }) },
    { source: "/assets/**", headers: pairs({ "Cache-Control": "public, max-age=31536000, immutable" }) },
  ];
}

async function fromBuild() {
  const built = await import(join(root, "functions/dist/http/securityHeaders.js"));
  return hostingHeaders({
    common: built.COMMON_HEADERS,
    csp: built.PWA_CONTENT_SECURITY_POLICY,
    hsts: built.STRICT_TRANSPORT_SECURITY,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = join(root, "firebase.json");
  const config = JSON.parse(readFileSync(file, "utf8"));
  const wanted = await fromBuild();
  if (process.argv[2] === "--write") {
    config.hosting.headers = wanted;
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  } else if (JSON.stringify(config.hosting.headers) !== JSON.stringify(wanted)) {
    process.stderr.write("firebase.json: hosting.headers differ from securityHeaders.ts: run with --write\n");
    process.exit(1);
  }
}
