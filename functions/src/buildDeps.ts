import type { Config } from "./config.js";
import { type Clock, type Deps, systemClock } from "./deps.js";
import type { Logger } from "./logger.js";
import { createOidcVerifier, type OidcVerifierOptions } from "./oidc/createOidcVerifier.js";
import { createWebPushSender, ensureVapidKeys, type VapidKeys } from "./push/PushSender.js";
import { cryptoRandom, type Random } from "./secrets.js";
import type { Store } from "./store/Store.js";

/**
 * Wires the relay's dependencies around a store, the same way for the
 * standalone server, the Cloud Function, tests and benchmarks: the push
 * sender with the VAPID keys (the ones given, else generated once and kept in
 * the store) and one OIDC verifier per server, as it caches issuers' keys.
 *
 * - `clock` and `random` default to the system's; the verifier uses the same clock.
 * - `oidc`: verifier settings beyond the trusted issuers, which come from `config`.
 */
export async function buildDeps(options: {
  store: Store;
  config: Config;
  log: Logger;
  clock?: Clock;
  random?: Random;
  vapid?: VapidKeys;
  oidc?: Omit<OidcVerifierOptions, "issuers" | "clock">;
}): Promise<Deps> {
  const { store, config, log } = options;
  const clock = options.clock ?? systemClock;
  const push = createWebPushSender({
    vapid: options.vapid ?? (await ensureVapidKeys(store)),
    subject: config.vapidSubject,
    ttlSeconds: config.requestTtlSeconds,
    pushAllow: config.pushAllow,
  });
  const oidc = createOidcVerifier({ ...options.oidc, clock, issuers: config.oidcIssuers });
  return { store, push, clock, random: options.random ?? cryptoRandom, config, log, oidc };
}
