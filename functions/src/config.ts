import express from "express";
import { OidcConfigError, parseIssuerConfig } from "./oidc/parseIssuerConfig.js";
import type { TrustedIssuer } from "./oidc/types.js";

/** Limits and settings of the relay; `loadConfig` reads them from the environment. */
export interface Config {
  /** Origin the app and CI reach the server at, without a trailing slash. */
  publicUrl: string;
  /** Package version, reported by the health endpoint. */
  version: string;
  /** How long a CI call waits when it does not say (seconds). */
  defaultWaitSeconds: number;
  /** The longest any CI call is held open (seconds); it gets 408 and resumes after. */
  maxWaitSeconds: number;
  /** How long a request stays answerable (seconds). */
  requestTtlSeconds: number;
  /** How long an invite code is valid (seconds). */
  inviteTtlSeconds: number;
  /** Pending requests allowed per link at once. */
  maxPendingPerLink: number;
  /** Requests allowed per link per hour. */
  maxRequestsPerLinkPerHour: number;
  /** Calls allowed per client address per minute on the CI and pairing routes. */
  maxCallsPerAddressPerMinute: number;
  /** Largest accepted request body (bytes). */
  maxBodyBytes: number;
  /** Hosts (`host` or `host:port`) accepted as push endpoints even over http or on private addresses. */
  pushAllow: string[];
  /** VAPID `sub`: a mailto: or https: URL push services can contact. */
  vapidSubject: string;
  /**
   * Express `trust proxy`: false, a number of proxy hops, or the proxies'
   * addresses (IPs, CIDRs, `loopback`, `linklocal`, `uniquelocal`, comma
   * separated). Never `true` (every X-Forwarded-For believed): see parseTrustProxy.
   */
  trustProxy: false | number | string;
  /** Issuers whose OIDC tokens links' policies may accept (COUNTERSIGN_OIDC_ISSUERS, docs/oidc.md). */
  oidcIssuers: TrustedIssuer[];
  /** Standalone server: open connections at once, in total. */
  maxConnections: number;
  /** Standalone server: open connections at once from one address (IPv6: one /64); 0 for no limit. */
  maxConnectionsPerAddress: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
  }
  return value;
}

/**
 * COUNTERSIGN_TRUST_PROXY as express's `trust proxy`: unset, empty, `false`
 * or `0` trust nobody; a whole number trusts that many proxy hops; anything
 * else is a comma-separated list of proxy addresses, CIDRs or the names
 * `loopback`, `linklocal`, `uniquelocal`, checked here. `true` is refused: it
 * believes any X-Forwarded-For, so any caller could pick the address the
 * per-address limits and "Requested from" see. (Trusting hops is safe only
 * if nobody reaches the port but the proxy; see `bindsLoopbackOnly`.)
 */
export function parseTrustProxy(raw: string | undefined): false | number | string {
  const value = raw?.trim() ?? "";
  if (value === "" || value === "false" || value === "0") return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new ConfigError(`COUNTERSIGN_TRUST_PROXY must be 0 to 10 proxy hops (got "${value}").`);
    return hops;
  }
  if (value === "true") {
    throw new ConfigError(
      'COUNTERSIGN_TRUST_PROXY=true would believe any X-Forwarded-For header: set the number of proxies in front of the server (e.g. 1) or their addresses (e.g. "loopback" or "10.0.0.5").',
    );
  }
  try {
    // Express compiles the list as it is set (proxy-addr), and throws on what it cannot read.
    express().set("trust proxy", value);
  } catch (error) {
    throw new ConfigError(
      `COUNTERSIGN_TRUST_PROXY must be a number of proxy hops or proxy addresses (IP, CIDR, loopback, linklocal, uniquelocal): ${(error as Error).message}`,
    );
  }
  return value;
}

/**
 * Whether the server should listen on loopback only by default: with proxy
 * hops trusted, a caller reaching the port directly would have its own
 * X-Forwarded-For believed. (With proxy addresses trusted, a direct caller
 * is not one of them, and its header is ignored.)
 */
export function bindsLoopbackOnly(trustProxy: Config["trustProxy"]): boolean {
  return typeof trustProxy === "number" && trustProxy > 0;
}

/** The TCP port from PORT (default 8080). */
export function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 8080;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port < 1 || port > 65535) {
    throw new ConfigError(`PORT must be a number from 1 to 65535 (got "${raw}").`);
  }
  return port;
}

/**
 * COUNTERSIGN_TRUST_PROXY as express takes it: `false`/`true`, a number of
 * hops, or a comma-separated list of addresses, subnets (`10.0.0.0/8`) and
 * the names loopback, linklocal, uniquelocal. Anything else would make
 * express throw on the first request, or trust the wrong hop.
 */
/** COUNTERSIGN_VAPID_SUBJECT: push services refuse a VAPID `sub` that is not a mailto: or https: URL. */
function parseVapidSubject(raw: string | undefined, fallback: string): string {
  const value = raw?.trim();
  if (!value) return fallback;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  if (
    !url ||
    (url.protocol !== "mailto:" && url.protocol !== "https:") ||
    (url.protocol === "mailto:" && !url.pathname.includes("@"))
  ) {
    throw new ConfigError(
      `COUNTERSIGN_VAPID_SUBJECT must be a mailto: address or an https: URL, e.g. mailto:you@example.com (got "${raw}").`,
    );
  }
  return value;
}

/** Reads the configuration from the environment, with defaults fit for one maintainer. */
export function loadConfig(env: NodeJS.ProcessEnv, defaults: { publicUrl: string; version: string }): Config {
  const publicUrl = (env.COUNTERSIGN_PUBLIC_URL?.trim() || defaults.publicUrl).replace(/\/+$/, "");
  let parsed: URL;
  try {
    parsed = new URL(publicUrl);
  } catch {
    throw new ConfigError(
      `COUNTERSIGN_PUBLIC_URL must be an http(s) origin such as https://otp.example.com (got "${publicUrl}").`,
    );
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ConfigError(`COUNTERSIGN_PUBLIC_URL must start with https:// or http:// (got "${publicUrl}").`);
  }
  let oidcIssuers: TrustedIssuer[];
  try {
    oidcIssuers = parseIssuerConfig(env.COUNTERSIGN_OIDC_ISSUERS);
  } catch (error) {
    if (error instanceof OidcConfigError) throw new ConfigError(error.message);
    throw error;
  }
  return {
    publicUrl: parsed.origin,
    version: defaults.version,
    defaultWaitSeconds: 120,
    maxWaitSeconds: integer(env, "COUNTERSIGN_MAX_WAIT", 300, 1, 3600),
    requestTtlSeconds: integer(env, "COUNTERSIGN_REQUEST_TTL", 600, 30, 86_400),
    inviteTtlSeconds: 15 * 60,
    maxPendingPerLink: integer(env, "COUNTERSIGN_MAX_PENDING_PER_LINK", 3, 1, 1000),
    maxRequestsPerLinkPerHour: integer(env, "COUNTERSIGN_MAX_REQUESTS_PER_HOUR", 30, 1, 100_000),
    maxCallsPerAddressPerMinute: integer(env, "COUNTERSIGN_MAX_CALLS_PER_MINUTE", 60, 1, 100_000),
    maxBodyBytes: 32 * 1024,
    pushAllow: (env.COUNTERSIGN_PUSH_ALLOW ?? "")
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
    vapidSubject: parseVapidSubject(
      env.COUNTERSIGN_VAPID_SUBJECT,
      parsed.protocol === "https:" && parsed.hostname !== "localhost"
        ? parsed.origin
        : "mailto:countersign@example.invalid",
    ),
    trustProxy: parseTrustProxy(env.COUNTERSIGN_TRUST_PROXY),
    oidcIssuers,
    maxConnections: integer(env, "COUNTERSIGN_MAX_CONNECTIONS", 15_000, 1, 1_000_000),
    maxConnectionsPerAddress: integer(env, "COUNTERSIGN_MAX_CONNECTIONS_PER_ADDRESS", 1000, 0, 1_000_000),
  };
}
