import { basename } from "node:path";
import { parseMode } from "../args/parseCliArgs.js";
import { type Failure, failure } from "../failure.js";

/**
 * Commands that speak the npm registry protocol: exec answers their
 * registry's challenges through its relay. Anything else (`gem push`, a
 * script) gets a code before it starts.
 */
const REGISTRY_CLIENTS = new Set([
  "npm",
  "npx",
  "pnpm",
  "pnpx",
  "yarn",
  "yarnpkg",
  "corepack",
  "lerna",
  "changeset",
  "semantic-release",
  "release-it",
]);

/** Which way `exec` gets the command its second factor: asked (`--mode`, COUNTERSIGN_MODE), or by the command. */
export function chooseExecMode(
  requested: string | undefined,
  argv: string[],
): { ok: true; value: "relay" | "before" } | { ok: false; failure: Failure } {
  const mode = requested === undefined ? "auto" : parseMode(requested);
  if (mode === null) {
    return { ok: false, failure: failure("usage", `COUNTERSIGN_MODE is auto, relay or before (got "${requested}").`) };
  }
  if (mode !== "auto") return { ok: true, value: mode };
  const name = (path: string | undefined) =>
    basename(path ?? "")
      .toLowerCase()
      .replace(/\.(cmd|exe|ps1|js|cjs|mjs)$/, "")
      .replace(/-cli$/, "");
  // `node path/to/npm-cli.js publish` is npm too.
  const program = name(argv[0]) === "node" ? name(argv[1]) : name(argv[0]);
  return { ok: true, value: REGISTRY_CLIENTS.has(program) ? "relay" : "before" };
}
