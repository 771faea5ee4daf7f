import { readFileSync } from "node:fs";

/**
 * The CLI's own version: set at build time in the single-file build and the GitHub Action's
 * bundle (they have no package.json beside them), else read from its package.json (one level
 * above dist/ and src/).
 */
export function cliVersion(): string {
  const bundled = (globalThis as { COUNTERSIGN_BUNDLED_VERSION?: string }).COUNTERSIGN_BUNDLED_VERSION;
  if (typeof bundled === "string") return bundled;
  try {
    const raw = readFileSync(new URL("../package.json", import.meta.url), "utf8");
    const version = (JSON.parse(raw) as { version?: unknown }).version;
    return typeof version === "string" ? version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
