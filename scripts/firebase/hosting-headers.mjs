#!/usr/bin/env node
// Firebase Hosting serves the app itself, so it must send what the standalone server sends for
// it: firebase.json's `hosting.headers` are generated from functions/src/http/securityHeaders.ts
// (built) and the standalone server's caching rules, never edited by hand.
//
//   node scripts/firebase/hosting-headers.mjs --write   (after changing securityHeaders.ts; needs `npx tsc -b`;
//                                                        then `npx biome check --write firebase.json`)
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
 * A regex (RE2, as Hosting reads it: no lookahead) for the paths that start
 * with none of `prefixes` and are none of `exact` (each given without its
 * leading "/"): built from their trie, one alternative per character that
 * leaves it.
 */
export function pathsOtherThan(prefixes, exact) {
  const root = { children: new Map() };
  const insert = (word, kind) => {
    let node = root;
    for (const char of word) {
      if (!node.children.has(char)) node.children.set(char, { children: new Map() });
      node = node.children.get(char);
    }
    node[kind] = true;
  };
  for (const word of prefixes) insert(word, "prefix");
  for (const word of exact) insert(word, "exact");
  const literal = (char) => char.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  // What may follow `node` (possibly nothing): null when nothing may.
  const rest = (node) => {
    if (node.prefix) return null;
    const chars = [...node.children.keys()];
    const alternatives = [chars.length ? `[^${chars.map(literal).join("")}].*` : ".+"];
    for (const [char, child] of node.children) {
      const after = rest(child);
      if (after) alternatives.push(`${literal(char)}(${after.pattern})${after.empty ? "?" : ""}`);
    }
    return { pattern: alternatives.join("|"), empty: !node.exact };
  };
  const all = rest(root);
  return `^/(${all.pattern})${all.empty ? "?" : ""}$`;
}

const strip = (paths) => paths.map((path) => path.replace(/^\//, ""));

/**
 * The `hosting.headers` of firebase.json for the given header sets: on every
 * app path the headers that protect any response and HSTS (Hosting is https
 * only); on the paths that can be documents (not the `subresourcePaths`) the
 * document headers and the CSP too; and serveWeb's caching — revalidate
 * pages, /sw.js and the manifest, keep hashed /assets/** for a year.
 */
export function hostingHeaders({ subresource, document, csp, hsts, subresourcePaths }) {
  const pairs = (headers) => Object.entries(headers).map(([key, value]) => ({ key, value }));
  const documents = pathsOtherThan(["api/", ...strip(subresourcePaths.prefixes)], strip(subresourcePaths.exact));
  return [
    { regex: NOT_API, headers: pairs({ ...subresource, "Strict-Transport-Security": hsts }) },
    { regex: documents, headers: pairs({ ...document, "Content-Security-Policy": csp }) },
    { regex: NOT_API, headers: pairs({ "Cache-Control": "no-cache" }) },
    { source: "/assets/**", headers: pairs({ "Cache-Control": "public, max-age=31536000, immutable" }) },
  ];
}

/** The arguments of hostingHeaders, from the built securityHeaders.js. */
export function fromSecurityHeaders(built) {
  return {
    subresource: built.SUBRESOURCE_HEADERS,
    document: built.DOCUMENT_HEADERS,
    csp: built.PWA_CONTENT_SECURITY_POLICY,
    hsts: built.STRICT_TRANSPORT_SECURITY,
    subresourcePaths: built.SUBRESOURCE_PATHS,
  };
}

async function fromBuild() {
  return hostingHeaders(fromSecurityHeaders(await import(join(root, "functions/dist/http/securityHeaders.js"))));
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
