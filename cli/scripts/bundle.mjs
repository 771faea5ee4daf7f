// Bundles the CLI (or a program built on it) into one ES module with no dependencies: jose,
// cross-spawn and the CLI's sources inlined, its version fixed at build time, the bundled
// packages' licences appended.
// Shared by the single-file build (cli/scripts/buildSingle.mjs) and the GitHub Action's
// bundle (scripts/build-action.mjs), so both are made the same way.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const CLI_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(CLI_DIR, "package.json"));

/** The packages the bundle inlines: the CLI's dependencies and theirs. */
const BUNDLED = ["jose", "cross-spawn", "which", "isexe", "path-key", "shebang-command", "shebang-regex"];

function licenses() {
  return BUNDLED.map((name) => {
    // Resolved as cross-spawn resolves its own dependencies: from the package that needs them.
    const dir = dirname(
      require.resolve(`${name}/package.json`, { paths: [CLI_DIR, dirname(require.resolve("cross-spawn"))] }),
    );
    const { version, homepage } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((entry) => /^licen[sc]e(\.md|\.txt)?$/i.test(entry));
    const text = file ? readFileSync(join(dir, file), "utf8").trim() : "(no licence file)";
    return `/*! ${name} ${version}${homepage ? ` (${homepage})` : ""}, bundled:\n${text}\n*/`;
  }).join("\n");
}

// cross-spawn is CommonJS and requires Node's modules; an ES module bundle gives it `require`.
const REQUIRE_SHIM =
  'import { createRequire as __countersignCreateRequire } from "node:module";\nconst require = __countersignCreateRequire(import.meta.url);';

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
    banner: { js: banner ? `${banner}\n${REQUIRE_SHIM}` : REQUIRE_SHIM },
    footer: { js: licenses() },
    legalComments: "eof",
    logLevel: "warning",
  });
  return version;
}
