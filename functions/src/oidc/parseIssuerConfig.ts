import { checkIssuerUrl, GITHUB_ACTIONS_ISSUER, GITLAB_COM_ISSUER } from "@countersign/shared";
import type { TrustedIssuer } from "./types.js";

/** Issuers trusted when COUNTERSIGN_OIDC_ISSUERS is unset: GitHub Actions and gitlab.com, keys found by discovery. */
export const DEFAULT_TRUSTED_ISSUERS: readonly TrustedIssuer[] = [
  { issuer: GITHUB_ACTIONS_ISSUER },
  { issuer: GITLAB_COM_ISSUER },
];

export class OidcConfigError extends Error {
  override name = "OidcConfigError";
}

/**
 * Reads COUNTERSIGN_OIDC_ISSUERS: a comma-separated list of entries, each
 * `issuer` (keys found by OIDC discovery) or `issuer=jwksUrl`. The word
 * `default` stands for GitHub Actions and gitlab.com; `none` trusts no issuer
 * (every policy then refuses). Unset or blank means `default`. Issuers and
 * JWKS URLs must be https, except on loopback hosts (tests).
 *
 * Examples: `default,https://gitlab.example.com`;
 * `http://127.0.0.1:4000=http://127.0.0.1:4000/keys`.
 *
 * Throws OidcConfigError naming the bad entry, so the server refuses to start
 * on a typo rather than trusting something unintended.
 */
export function parseIssuerConfig(raw: string | undefined): TrustedIssuer[] {
  const entries = (raw ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return DEFAULT_TRUSTED_ISSUERS.map((entry) => ({ ...entry }));
  if (entries.length === 1 && entries[0]?.toLowerCase() === "none") return [];

  const byIssuer = new Map<string, TrustedIssuer>();
  const add = (entry: TrustedIssuer) => {
    const known = byIssuer.get(entry.issuer);
    if (known && known.jwksUrl !== entry.jwksUrl) {
      throw new OidcConfigError(`COUNTERSIGN_OIDC_ISSUERS names ${entry.issuer} twice with different key locations.`);
    }
    byIssuer.set(entry.issuer, entry);
  };

  for (const entry of entries) {
    if (entry.toLowerCase() === "default") {
      for (const issuer of DEFAULT_TRUSTED_ISSUERS) add({ ...issuer });
      continue;
    }
    if (entry.toLowerCase() === "none") {
      throw new OidcConfigError('COUNTERSIGN_OIDC_ISSUERS: "none" cannot be combined with other issuers.');
    }
    const split = entry.indexOf("=");
    const issuerPart = split === -1 ? entry : entry.slice(0, split);
    const checked = checkIssuerUrl(issuerPart);
    if (!checked.ok) throw new OidcConfigError(`COUNTERSIGN_OIDC_ISSUERS: ${checked.message}.`);
    if (split === -1) {
      add({ issuer: checked.issuer });
      continue;
    }
    const jwksUrl = checkKeyUrl(entry.slice(split + 1).trim(), checked.issuer);
    add({ issuer: checked.issuer, jwksUrl });
  }
  return [...byIssuer.values()];
}

/** A JWKS URL must be https, or http on a loopback host. */
export function checkKeyUrl(raw: string, issuer: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OidcConfigError(`COUNTERSIGN_OIDC_ISSUERS: the key URL for ${issuer} ("${raw}") is not a URL.`);
  }
  if (!isSafeKeyUrl(url)) {
    throw new OidcConfigError(
      `COUNTERSIGN_OIDC_ISSUERS: the key URL for ${issuer} must use https (http only on 127.0.0.1 or localhost).`,
    );
  }
  return url.href;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** https anywhere, http only on loopback; no credentials in the URL. */
export function isSafeKeyUrl(url: URL): boolean {
  if (url.username || url.password) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
}
