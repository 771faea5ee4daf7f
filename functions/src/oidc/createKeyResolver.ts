import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from "jose";
import { isSafeKeyUrl } from "./parseIssuerConfig.js";
import type { TrustedIssuer } from "./types.js";

export interface KeyResolverOptions {
  fetch: typeof fetch;
  /** How long fetched keys are used before fetching again (ms). */
  cacheMaxAge: number;
  /** Least time between two fetches caused by an unknown `kid` (ms). */
  cooldown: number;
  /** Timeout of each discovery or JWKS request (ms). */
  timeout: number;
}

/** Thrown when the issuer's keys cannot be located; the message is for the maintainer. */
export class KeyDiscoveryError extends Error {
  override name = "KeyDiscoveryError";
}

async function discoverJwksUrl(issuer: string, options: KeyResolverOptions): Promise<URL> {
  const where = `${issuer}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await options.fetch(where, {
      headers: { accept: "application/json" },
      redirect: "error",
      signal: AbortSignal.timeout(options.timeout),
    });
  } catch {
    throw new KeyDiscoveryError(`could not reach ${where}`);
  }
  if (!response.ok) throw new KeyDiscoveryError(`${where} answered HTTP ${response.status}`);
  let document: { issuer?: unknown; jwks_uri?: unknown };
  try {
    document = (await response.json()) as typeof document;
  } catch {
    throw new KeyDiscoveryError(`${where} is not JSON`);
  }
  // OIDC Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
  if (document.issuer !== issuer) throw new KeyDiscoveryError(`${where} names a different issuer`);
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(String(document.jwks_uri));
  } catch {
    throw new KeyDiscoveryError(`${where} has no usable jwks_uri`);
  }
  if (!isSafeKeyUrl(jwksUrl)) throw new KeyDiscoveryError(`${where} points to keys over plain http`);
  return jwksUrl;
}

/**
 * One cached key set per trusted issuer. jose's remote key set keeps the keys
 * for `cacheMaxAge` and refetches when a token names a `kid` it does not know
 * (at most once per `cooldown`), which is how rotation at the issuer is
 * picked up. A failed discovery is not remembered, so the next token retries.
 */
export function createKeyResolver(options: KeyResolverOptions) {
  const sets = new Map<string, Promise<JWTVerifyGetKey>>();
  const fetchForJose = (url: string, init: RequestInit) => options.fetch(url, init);

  return function keysFor(issuer: TrustedIssuer): Promise<JWTVerifyGetKey> {
    let set = sets.get(issuer.issuer);
    if (!set) {
      set = (async () => {
        const url = issuer.jwksUrl ? new URL(issuer.jwksUrl) : await discoverJwksUrl(issuer.issuer, options);
        return createRemoteJWKSet(url, {
          cacheMaxAge: options.cacheMaxAge,
          cooldownDuration: options.cooldown,
          timeoutDuration: options.timeout,
          [customFetch]: fetchForJose,
        });
      })();
      sets.set(issuer.issuer, set);
      set.catch(() => sets.delete(issuer.issuer));
    }
    return set;
  };
}
