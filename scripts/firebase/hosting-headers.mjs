#!/usr/bin/env node
// Writes the security headers Firebase Hosting sends with the app (firebase.json) from the
// same source as the standalone server's: securityHeaderList in
// functions/src/http/securityHeaders.ts (built by `npx tsc -b`). With --check, only says
// whether firebase.json is up to date (exit 1 when not).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { PWA_CONTENT_SECURITY_POLICY, securityHeaderList } = await import(
  join(root, "functions", "dist", "http", "securityHeaders.js")
);

/** Every path but /api/…: the app's pages and files (the API sets its own headers). */
export const APP_PATHS = "^/([^a].*|a([^p].*)?|ap([^i].*)?|api([^/].*)?)?$";

const file = join(root, "firebase.json");
const config = JSON.parse(readFileSync(file, "utf8"));
const headers = securityHeaderList(PWA_CONTENT_SECURITY_POLICY, true).map(([key, value]) => ({ key, value }));
const entries = config.hosting.headers ?? [];
const isSecurityEntry = (entry) =>
  entry.regex === APP_PATHS && entry.headers.some((header) => header.key === "X-Content-Type-Options");
const others = entries.filter((entry) => !isSecurityEntry(entry));
config.hosting.headers = [...others, { regex: APP_PATHS, headers }];
const current = entries.find(isSecurityEntry);
const upToDate = JSON.stringify(current?.headers) === JSON.stringify(headers) && entries.at(-1) === current;
if (process.argv.includes("--check")) {
  if (!upToDate) {
    console.error("firebase.json's security headers are out of date: run node scripts/firebase/hosting-headers.mjs");
    process.exit(1);
  }
} else if (!upToDate) {
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  // The repository's formatting, so that only the headers change.
  execFileSync(join(root, "node_modules", ".bin", "biome"), ["format", "--write", file], { stdio: "ignore" });
  console.log("firebase.json: security headers updated");
}
