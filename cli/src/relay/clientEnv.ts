export interface RelayedRegistries {
  /** The relay's URL for the default registry, ending in `/`. */
  registry: string;
  /** The relay's URL per scope, keyed `@scope` (a key without `@` is taken as a scope name). */
  scopes: Record<string, string>;
}

/** `//host:port/path/`: the key npm-style configs file credentials under. */
function nerfDart(url: string): string {
  const parsed = new URL(url);
  return `//${parsed.host}${parsed.pathname.endsWith("/") ? parsed.pathname : `${parsed.pathname}/`}`;
}

/**
 * Environment variables that point npm, pnpm 10/12, Yarn 1 and Yarn 2+ at the relay and make them send `secret` to it as their registry token.
 *
 * What each client reads (measured with npm 11.21/12.2, pnpm 10.34/12.25,
 * Yarn 1.22/4.18; docs/clients.md has the evidence):
 * - npm, and pnpm 10 (whose publish runs npm): `npm_config_registry`,
 *   `npm_config_@scope:registry` and `npm_config_//host/path/:_authToken`,
 *   all above the project's and the user's .npmrc. npm sends the token with
 *   every request under that URL.
 * - pnpm 12 reads no `npm_config_*` setting but the URL-scoped credentials:
 *   `pnpm_config_registry`, and `pnpm_config__auth` (JSON: registry URL →
 *   `@` or `@scope` → `{authToken}`), which routes the default registry and
 *   each scope to the relay above the project's .npmrc and
 *   pnpm-workspace.yaml, with the token.
 * - Yarn 1 reads `npm_config_registry` and `npm_config_@scope:registry`, but
 *   mangles URL-scoped keys (it lowercases them and splits them on dots), so
 *   its token is `YARN_AUTH_TOKEN`, which it sends with every request of a
 *   publish. Yarn 2+ rejects that unknown variable unless
 *   `YARN_ENABLE_STRICT_SETTINGS=false`.
 * - Yarn 2+: `YARN_NPM_REGISTRY_SERVER`, `YARN_NPM_PUBLISH_REGISTRY`,
 *   `YARN_NPM_AUTH_TOKEN`, `YARN_NPM_ALWAYS_AUTH` (the token on reads too)
 *   and `YARN_UNSAFE_HTTP_WHITELIST` (plain http to the relay's host). Yarn
 *   takes no map setting from the environment, so `npmScopes` of a
 *   .yarnrc.yml stay as they are (see docs/clients.md).
 *
 * - semantic-release's npm plugin: `NPM_CONFIG_REGISTRY` (upper case only).
 *
 * The names are the canonical lower- or upper-case ones (the registry in
 * both, with one value); a caller merging
 * this into an inherited environment must first drop variables that differ
 * from these only by case (`NPM_CONFIG_REGISTRY`, `PNPM_CONFIG_REGISTRY`…),
 * which the clients would read in an order that depends on the environment.
 * Names with `/`, `:` or `@` do not survive a POSIX `sh` such as dash (npm
 * runs scripts with it): docs/clients.md says what still works then.
 */
export function clientEnv(relay: RelayedRegistries, secret: string): Record<string, string> {
  const scopes = Object.entries(relay.scopes).map(
    ([scope, url]) => [scope.startsWith("@") ? scope : `@${scope}`, url] as const,
  );
  const env: Record<string, string> = {
    npm_config_registry: relay.registry,
    // @semantic-release/npm reads this name only, in upper case (lib/get-registry.js), and passes
    // it to npm as --registry; changesets reads only the lower-case one. Same value: npm sees one.
    NPM_CONFIG_REGISTRY: relay.registry,
  };
  for (const url of new Set([relay.registry, ...scopes.map(([, url]) => url)])) {
    env[`npm_config_${nerfDart(url)}:_authToken`] = secret;
  }
  for (const [scope, url] of scopes) env[`npm_config_${scope}:registry`] = url;

  const pnpmAuth: Record<string, Record<string, { authToken: string }>> = {};
  for (const [scope, url] of [["@", relay.registry] as const, ...scopes]) {
    pnpmAuth[url] = { ...pnpmAuth[url], [scope]: { authToken: secret } };
  }
  env.pnpm_config_registry = relay.registry;
  env.pnpm_config__auth = JSON.stringify(pnpmAuth);

  env.YARN_AUTH_TOKEN = secret;
  // Yarn 2+ refuses a YARN_* variable it does not know (Yarn 1's YARN_AUTH_TOKEN) unless strict settings are off.
  env.YARN_ENABLE_STRICT_SETTINGS = "false";

  env.YARN_NPM_REGISTRY_SERVER = relay.registry;
  env.YARN_NPM_PUBLISH_REGISTRY = relay.registry;
  env.YARN_NPM_AUTH_TOKEN = secret;
  env.YARN_NPM_ALWAYS_AUTH = "true";
  // Yarn splits array settings from the environment on commas.
  env.YARN_UNSAFE_HTTP_WHITELIST = [
    ...new Set([relay.registry, ...scopes.map(([, url]) => url)].map((url) => new URL(url).hostname)),
  ].join(",");
  return env;
}
