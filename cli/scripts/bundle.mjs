// Bundles the CLI (or a program built on it) into one ES module with no dependencies: jose
// and the CLI's sources inlined, its version fixed at build time, jose's licence appended.
// Shared by the single-file build (cli/scripts/buildSingle.mjs) and the GitHub Action's
// bundle (scripts/build-action.mjs), so both are made the same way.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const CLI_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(CLI_DIR, "package.json"));

function joseLicense() {
  const dir = dirname(require.resolve("jose/package.json"));
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const text = readFileSync(join(dir, "LICENSE.md"), "utf8").trim();
  return `/*! jose ${version} (https://github.com/panva/jose), bundled:\n${text}\n*/`;
}

/**
 * Writes `outfile`. Options: `entry` — the module's source (TypeScript allowed), resolved
 * from `resolveDir`; `banner` — text before the bundle (a shebang); `target` — the oldest
 * Node the output must parse on.
 */
export async function bundle({ entry, resolveDir, outfile, banner = "", target = "node20.19" }) {
  const { version } = JSON.parse(readFileSync(join(CLI_DIR, "package.json"), "utf8"));
  await build({
    stdin: { contents: entry, resolveDir, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target,
    outfile,
    // Paths in the bundle's comments are relative to the repository, whoever builds it from
    // wherever: CI rebuilds the committed action bundle and compares.
    absWorkingDir: join(CLI_DIR, ".."),
    define: { "globalThis.COUNTERSIGN_BUNDLED_VERSION": JSON.stringify(version) },
    banner: { js: banner },
    footer: { js: joseLicense() },
    legalComments: "eof",
    logLevel: "warning",
  });
  return version;
}
