#!/usr/bin/env node
// Builds the Cloud Functions source that `firebase deploy` uploads: dist/firebase-functions/.
//
// functions/ depends on the private workspace package @countersign/shared, which Cloud Build
// cannot fetch from npm. So the deployed source is a generated directory: the compiled
// functions (functions/dist), shared's compiled package vendored under vendor/shared, and a
// package.json that depends on it as "file:vendor/shared" (Cloud Build installs local file
// dependencies from the upload). Standalone-only dependencies are left out.
//
//   node scripts/firebase/prepare-functions.mjs --install   (firebase.json predeploy: npm install there,
//                                                            as Cloud Build will; the CLI loads the code from it)
//   node scripts/firebase/prepare-functions.mjs --link      (tests: node_modules linked to the workspace's)
//
// Run `npx tsc -b` first (the predeploy does).
//
// The generated directory is deleted and rebuilt by every deploy, so nothing the CLI writes must
// live there: firebase.json's `configDir` points the CLI at functions/ for the .env files (and the
// values it prompts for go there, so the next deploy has them). Only functions/.secret.local is
// copied, because the emulator reads it from the source directory; firebase.json's `ignore`
// keeps it and every *.local file out of the upload.
//
// The upload carries a package-lock.json cut from the repository's: Cloud Build then runs
// `npm ci` and installs the very versions the tests ran with, not whatever is newest that day.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const outDir = join(root, "dist/firebase-functions");
/** Used only by the standalone server (SQLite, terminal QR code, Prometheus metrics). */
const STANDALONE_ONLY = new Set(["libsql", "qrcode-terminal", "prom-client"]);

function fail(message) {
  process.stderr.write(`prepare-functions: ${message}\n`);
  process.exit(1);
}

/** Tests, test helpers (they import dev dependencies) and the standalone server stay out of the deployment. */
const DEV_ONLY = [
  /\.test\.(js|d\.ts)(\.map)?$/,
  /[\\/]storeContract\./,
  /[\\/]startFirestoreFake\./,
  /[\\/]dist[\\/](standalone|testing)([\\/]|$)/,
];
const notTest = (src) => !DEV_ONLY.some((pattern) => pattern.test(src));

export function prepareFunctions(mode) {
  const functionsDir = join(root, "functions");
  const sharedDir = join(root, "shared");
  for (const built of [join(functionsDir, "dist/firebase.js"), join(sharedDir, "dist/index.js")]) {
    if (!existsSync(built)) fail(`${built} is missing: run \`npx tsc -b\` first.`);
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(join(functionsDir, "dist"), join(outDir, "dist"), { recursive: true, filter: notTest });
  cpSync(join(sharedDir, "dist"), join(outDir, "vendor/shared/dist"), { recursive: true, filter: notTest });

  const shared = JSON.parse(readFileSync(join(sharedDir, "package.json"), "utf8"));
  writeFileSync(
    join(outDir, "vendor/shared/package.json"),
    `${JSON.stringify({ ...shared, private: true }, null, 2)}\n`,
  );

  const functions = JSON.parse(readFileSync(join(functionsDir, "package.json"), "utf8"));
  const dependencies = {};
  for (const [name, version] of Object.entries(functions.dependencies ?? {})) {
    if (STANDALONE_ONLY.has(name)) continue;
    dependencies[name] = name === shared.name ? "file:vendor/shared" : version;
  }
  const manifest = {
    name: functions.name,
    version: functions.version,
    private: true,
    type: "module",
    main: "dist/firebase.js",
    engines: functions.engines,
    dependencies,
  };
  writeFileSync(join(outDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  if (existsSync(join(functionsDir, ".secret.local"))) {
    cpSync(join(functionsDir, ".secret.local"), join(outDir, ".secret.local"));
  }
  writeLockfile(outDir);

  if (mode === "--install") {
    execFileSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"], { cwd: outDir, stdio: "inherit" });
  } else if (mode === "--link") {
    linkWorkspaceModules(join(root, "node_modules"), join(outDir, "node_modules"));
  }
  return outDir;
}

/**
 * package-lock.json for the generated package, cut from the repository's lockfile: npm keeps
 * every locked version that still fits and drops the rest (the workspaces, dev dependencies),
 * so what Cloud Build installs is what the repository's tests ran with.
 */
function writeLockfile(dir) {
  cpSync(join(root, "package-lock.json"), join(dir, "package-lock.json"));
  execFileSync(
    "npm",
    ["install", "--package-lock-only", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
    { cwd: dir, stdio: ["ignore", "ignore", "inherit"] },
  );
}

/** node_modules made of links to the workspace's packages, with @countersign/shared taken from vendor/. */
function linkWorkspaceModules(from, to) {
  mkdirSync(join(to, "@countersign"), { recursive: true });
  for (const name of readdirSync(from)) {
    if (name.startsWith(".") || name === "@countersign") continue;
    symlinkSync(join(from, name), join(to, name));
  }
  symlinkSync("../../vendor/shared", join(to, "@countersign/shared"));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode !== "--install" && mode !== "--link") fail("usage: prepare-functions.mjs --install | --link");
  process.stdout.write(`prepare-functions: ${prepareFunctions(mode)}\n`);
}
