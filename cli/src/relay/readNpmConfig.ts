import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** Where registry settings come from, highest priority first (npm's own order). */
export type ConfigSource = "env" | "project" | "user" | "global";

/** Credentials for one registry, as npm would send them. */
export type RegistryCredential = { kind: "bearer"; token: string } | { kind: "basic"; auth: string } | { kind: "none" };

export interface NpmRegistryConfig {
  /** The default registry, ending in `/`. */
  registry: string;
  /** `@scope` → registry URL ending in `/`. */
  scopes: Record<string, string>;
  /** The credentials npm would send to `registryUrl` (longest `//host/path/:` match). */
  credentialFor(registryUrl: string): RegistryCredential;
  /** Files read, for --verbose. */
  files: string[];
  /** Problems worth a warning (an unset `${VAR}` in a token line, an unreadable file). */
  warnings: string[];
}

export interface ReadNpmConfigOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Defaults to the user's home directory. */
  home?: string;
  /** npm's prefix, for `<prefix>/etc/npmrc`; defaults to the one of this Node installation. */
  globalPrefix?: string;
}

const DEFAULT_REGISTRY = "https://registry.npmjs.org/";

/** `${VAR}` and `${VAR?}` (empty when unset) as npm expands them; unset plain `${VAR}` is reported. */
function expandEnv(value: string, env: ReadNpmConfigOptions["env"], unset: Set<string>): string {
  return value.replace(/(?<!\\)\$\{([^${}?]+)(\?)?\}/g, (_match, name: string, optional?: string) => {
    const found = env[name];
    if (found !== undefined) return found;
    if (!optional) unset.add(name);
    return "";
  });
}

/** Reads an `.npmrc` (ini: `key = value`, `;`/`#` comments, optional quotes) into key/value pairs. */
export function parseNpmrc(text: string): [string, string][] {
  const entries: [string, string][] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(";") || line.startsWith("#") || line.startsWith("[")) continue;
    const equals = line.indexOf("=");
    const key = (equals === -1 ? line : line.slice(0, equals)).trim();
    let value = equals === -1 ? "true" : line.slice(equals + 1).trim();
    if (
      value.length >= 2 &&
      ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
    ) {
      value = value.startsWith('"') ? safeJsonString(value) : value.slice(1, -1);
    }
    if (key) entries.push([key, value]);
  }
  return entries;
}

function safeJsonString(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

/** npm's local prefix: the nearest folder up from `cwd` with a package.json or node_modules. */
function findProjectRoot(cwd: string): string {
  let dir = resolve(cwd);
  while (true) {
    if (existsSync(join(dir, "package.json")) || existsSync(join(dir, "node_modules"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(cwd);
    dir = parent;
  }
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** `https://host:1/a/b/` → `//host:1/a/b/`: the form npm keys credentials by. */
function nerfDart(url: string): string {
  const parsed = new URL(url);
  return `//${parsed.host}${withSlash(parsed.pathname)}`;
}

function envKeyValues(env: ReadNpmConfigOptions["env"]): [string, string][] {
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !/^npm_config_/i.test(name)) continue;
    const key = name.slice("npm_config_".length);
    // Like npm: `//host/:_authToken` keys are taken as written, others are case- and dash-insensitive.
    entries.push([key.startsWith("//") ? key : key.toLowerCase().replace(/(?!^)_/g, "-"), value]);
  }
  return entries;
}

/**
 * Reads the registry settings npm would use in `cwd`: the default registry,
 * scoped registries and per-registry credentials, from `npm_config_*`
 * variables, the project's `.npmrc`, the user's (`npm_config_userconfig`,
 * else `~/.npmrc`) and the global one, with `${VAR}` expanded. The registry
 * token is read here to be sent upstream by the relay, never to the command.
 */
export function readNpmConfig(options: ReadNpmConfigOptions): NpmRegistryConfig {
  const { env } = options;
  const home = options.home ?? homedir();
  const globalPrefix =
    options.globalPrefix ?? env.npm_config_prefix ?? env.NPM_CONFIG_PREFIX ?? dirname(dirname(process.execPath));
  const files: string[] = [];
  const warnings: string[] = [];
  const unset = new Set<string>();
  const userconfig = env.npm_config_userconfig ?? env.NPM_CONFIG_USERCONFIG ?? join(home, ".npmrc");
  const globalconfig = env.npm_config_globalconfig ?? env.NPM_CONFIG_GLOBALCONFIG ?? join(globalPrefix, "etc", "npmrc");

  const layers: [string, string][][] = [envKeyValues(env)];
  for (const file of [join(findProjectRoot(options.cwd), ".npmrc"), userconfig, globalconfig]) {
    try {
      if (!statSync(file).isFile()) continue;
      layers.push(parseNpmrc(readFileSync(file, "utf8")));
      files.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") warnings.push(`Could not read ${file}.`);
    }
  }

  // Highest layer wins: fill from the top and never overwrite.
  const settings = new Map<string, string>();
  for (const layer of layers) {
    for (const [key, value] of layer) {
      if (!settings.has(key)) settings.set(key, expandEnv(value, env, unset));
    }
  }
  for (const name of unset) warnings.push(`\${${name}} in your npm config is not set.`);

  const registry = withSlash(settings.get("registry") || DEFAULT_REGISTRY);
  const scopes: Record<string, string> = {};
  for (const [key, value] of settings) {
    const scope = /^(@[^:/]+):registry$/.exec(key)?.[1];
    if (scope && value) scopes[scope.toLowerCase()] = withSlash(value);
  }

  const credentialFor = (registryUrl: string): RegistryCredential => {
    // npm walks up the registry's path: //host/a/b/ → //host/a/ → //host/.
    let key = nerfDart(registryUrl);
    while (true) {
      const token = settings.get(`${key}:_authToken`);
      if (token) return { kind: "bearer", token };
      const auth = settings.get(`${key}:_auth`);
      if (auth) return { kind: "basic", auth };
      const username = settings.get(`${key}:username`);
      const password = settings.get(`${key}:_password`);
      if (username && password) {
        const decoded = Buffer.from(password, "base64").toString("utf8");
        return { kind: "basic", auth: Buffer.from(`${username}:${decoded}`).toString("base64") };
      }
      const up = key.replace(/[^/]+\/$/, "");
      if (up === key || up === "//") return { kind: "none" };
      key = up;
    }
  };

  return { registry, scopes, credentialFor, files, warnings };
}
