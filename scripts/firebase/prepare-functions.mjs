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
// Run `npx tsc -b` first (the predeploy does). functions/.env* and functions/.secret.local are copied along.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const outDir = join(root, "dist/firebase-functions");
/** Used only by the standalone server (SQLite, terminal QR code). */
const STANDALONE_ONLY = new Set(["libsql", "qrcode-terminal"]);

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

  for (const name of readdirSync(functionsDir)) {
    if (name.startsWith(".env") || name === ".secret.local") cpSync(join(functionsDir, name), join(outDir, name));
  }

  if (mode === "--install") {
    execFileSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--no-package-lock"], {
      cwd: outDir,
      stdio: "inherit",
    });
  } else if (mode === "--link") {
    linkWorkspaceModules(join(root, "node_modules"), join(outDir, "node_modules"));
  }
  return outDir;
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
