import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import type { OidcVerifier } from "./oidc/createOidcVerifier.js";
import type { PushSender } from "./push/PushSender.js";
import type { Random } from "./secrets.js";
import type { Store } from "./store/Store.js";

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Everything a domain function may touch, passed in so tests can swap the clock and randomness. */
export interface Deps {
  store: Store;
  push: PushSender;
  clock: Clock;
  random: Random;
  config: Config;
  log: Logger;
  /** Checks CI's OIDC tokens against links' policies; one per server, as it caches the issuers' keys. */
  oidc: OidcVerifier;
}
