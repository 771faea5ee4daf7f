import { readFileSync } from "node:fs";

/** The CLI's own version, read from its package.json (one level above dist/ and src/). */
export function cliVersion(): string {
  try {
    const raw = readFileSync(new URL("../package.json", import.meta.url), "utf8");
    const version = (JSON.parse(raw) as { version?: unknown }).version;
    return typeof version === "string" ? version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
