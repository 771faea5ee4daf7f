import { readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { RelayedRegistries } from "./clientEnv.js";

function nerfDart(url: string): string {
  const parsed = new URL(url);
  return `//${parsed.host}${parsed.pathname}`;
}

/**
 * Writes a user config for the command: the user's own (`npm_config_userconfig`,
 * else `~/.npmrc`) and, below it, the relay's token and scope routes. The
 * environment carries the same settings, but names with `/`, `:` or `@` do
 * not survive a POSIX `sh` (dash drops them), and npm runs scripts with one:
 * `countersign exec -- npm run release` would lose them. A config file does
 * not. Written mode 600 into `dir`; returns its path.
 */
export async function writeRelayUserconfig(options: {
  dir: string;
  env: Record<string, string | undefined>;
  relay: RelayedRegistries;
  secret: string;
  home?: string;
}): Promise<string> {
  const source =
    options.env.npm_config_userconfig ?? options.env.NPM_CONFIG_USERCONFIG ?? join(options.home ?? homedir(), ".npmrc");
  const own = await readFile(source, "utf8").catch(() => "");
  const lines = [
    own.trimEnd(),
    "; Added by countersign exec for this run: the registry relay on this machine.",
    `registry=${options.relay.registry}`,
    ...[...new Set([options.relay.registry, ...Object.values(options.relay.scopes)])].map(
      (url) => `${nerfDart(url)}:_authToken=${options.secret}`,
    ),
    ...Object.entries(options.relay.scopes).map(([scope, url]) => `${scope}:registry=${url}`),
  ];
  const file = join(options.dir, "npmrc");
  await writeFile(file, `${lines.filter(Boolean).join("\n")}\n`, { mode: 0o600 });
  return file;
}
