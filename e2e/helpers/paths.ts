import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository root, found by climbing to the package named "countersign",
 * so these helpers work from e2e/ and when compiled elsewhere (bench/dist/…).
 */
export const REPO_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "countersign") return dir;
    } catch {
      // no package.json here: keep climbing
    }
    dir = dirname(dir);
  }
  throw new Error("cannot find the repository root");
})();

export const SERVER_ENTRY = join(REPO_ROOT, "functions/dist/standalone/main.js");
export const CLI_ENTRY = join(REPO_ROOT, "cli/dist/bin.js");
export const WEB_DIST = join(REPO_ROOT, "web/dist/");
