export interface RelayedRegistries {
  registry: string;
  scopes: Record<string, string>;
}

function nerfDart(url: string): string {
  const parsed = new URL(url);
  return `//${parsed.host}${parsed.pathname}`;
}

/** Environment variables that point npm at the relay and make it send `secret` to it as its registry token. */
export function clientEnv(relay: RelayedRegistries, secret: string): Record<string, string> {
  const env: Record<string, string> = { npm_config_registry: relay.registry };
  for (const url of [relay.registry, ...Object.values(relay.scopes)])
    env[`npm_config_${nerfDart(url)}:_authToken`] = secret;
  for (const [scope, url] of Object.entries(relay.scopes)) env[`npm_config_${scope}:registry`] = url;
  return env;
}
