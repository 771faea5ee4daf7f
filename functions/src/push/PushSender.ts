import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { PushPayload, PushSubscriptionBody } from "@countersign/shared";
import webpush from "web-push";
import type { Store } from "../store/Store.js";
import { validatePushEndpoint } from "./validatePushEndpoint.js";

export type PushResult =
  | { ok: true }
  /** The push service says the subscription is gone (404/410): drop it. */
  | { ok: false; gone: true; status: number }
  /**
   * Any other failure. `retryable` when a later attempt may succeed (network
   * error, 429, 5xx), with the push service's `Retry-After` in ms if it gave one.
   */
  | { ok: false; gone: false; reason: string; retryable?: true; retryAfterMs?: number };

/** Delivers one Web Push message. */
export interface PushSender {
  readonly vapidPublicKey: string;
  send(subscription: PushSubscriptionBody, payload: PushPayload): Promise<PushResult>;
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const VAPID_SETTING = "vapidKeys";

/**
 * The server's VAPID key pair, generated on first use and kept in the store.
 * Every subscription is bound to the public key it was made with, so there must
 * be one pair for good: instances starting together each propose a pair, the
 * store keeps the first, and all of them use that one.
 */
export async function ensureVapidKeys(store: Store): Promise<VapidKeys> {
  const saved = await store.getSetting(VAPID_SETTING);
  if (saved) return JSON.parse(saved) as VapidKeys;
  const stored = await store.createSetting(VAPID_SETTING, JSON.stringify(webpush.generateVAPIDKeys()));
  return JSON.parse(stored) as VapidKeys;
}

/** How long a VAPID JWT is valid (RFC 8292 allows up to 24 h); it is reused for all pushes to one push service. */
export const VAPID_JWT_LIFETIME_S = 12 * 60 * 60;
/** A cached JWT is replaced when less than this is left of its lifetime. */
const VAPID_JWT_RENEW_S = 60 * 60;

/** `Retry-After` (seconds or an HTTP date) in ms, or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const agents = {
  "http:": new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  "https:": new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/**
 * POSTs with node:http(s) over kept-alive connections (cheaper than `fetch`
 * per push). No redirects are followed: a 3xx is a failure like any other.
 */
function post(
  endpoint: string,
  headers: Record<string, string>,
  body: Buffer | null,
  timeoutMs: number,
): Promise<{ status: number; retryAfter: string | null }> {
  return new Promise((resolve, reject) => {
    const url = new URL(endpoint);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const agent = url.protocol === "https:" ? agents["https:"] : agents["http:"];
    const req = send(url, { method: "POST", headers, agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => {
        const retryAfter = res.headers["retry-after"];
        resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === "string" ? retryAfter : null });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`push service did not answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}

/**
 * Sends encrypted (aes128gcm), VAPID-signed pushes over node:http(s), which
 * unlike web-push's own sender also speaks plain http (local test push services).
 * Approvals are urgent and useless after the request expires, hence
 * `Urgency: high` and a TTL of the request's lifetime. The VAPID JWT is signed
 * once per push service origin and reused for its lifetime (12 h, renewed an
 * hour before it ends) instead of once per push.
 */
export function createWebPushSender(options: {
  vapid: VapidKeys;
  subject: string;
  ttlSeconds: number;
  pushAllow: string[];
  timeoutMs?: number;
}): PushSender {
  const jwts = new Map<string, { authorization: string; expiresAt: number }>();
  const vapidAuthorization = (endpoint: string) => {
    const audience = new URL(endpoint).origin;
    const nowS = Math.floor(Date.now() / 1000);
    const cached = jwts.get(audience);
    if (cached && cached.expiresAt - nowS > VAPID_JWT_RENEW_S) return cached.authorization;
    const expiresAt = nowS + VAPID_JWT_LIFETIME_S;
    const headers = webpush.getVapidHeaders(
      audience,
      options.subject,
      options.vapid.publicKey,
      options.vapid.privateKey,
      "aes128gcm",
      expiresAt,
    );
    const authorization = String(headers.Authorization);
    jwts.set(audience, { authorization, expiresAt });
    return authorization;
  };
  return {
    vapidPublicKey: options.vapid.publicKey,
    async send(subscription, payload) {
      const problem = validatePushEndpoint(subscription.endpoint, options.pushAllow);
      if (problem) return { ok: false, gone: false, reason: problem };
      let details: ReturnType<typeof webpush.generateRequestDetails>;
      try {
        details = webpush.generateRequestDetails(
          { endpoint: subscription.endpoint, keys: subscription.keys },
          JSON.stringify(payload),
          { TTL: options.ttlSeconds, urgency: "high", contentEncoding: "aes128gcm" },
        );
      } catch (error) {
        return { ok: false, gone: false, reason: error instanceof Error ? error.message : String(error) };
      }
      const headers: Record<string, string> = { Authorization: vapidAuthorization(subscription.endpoint) };
      for (const [name, value] of Object.entries(details.headers)) headers[name] = String(value);
      try {
        const response = await post(details.endpoint, headers, details.body, options.timeoutMs ?? 10_000);
        if (response.status >= 200 && response.status < 300) return { ok: true };
        if (response.status === 404 || response.status === 410)
          return { ok: false, gone: true, status: response.status };
        const reason = `push service answered ${response.status}`;
        if (response.status === 429 || response.status >= 500) {
          const retryAfterMs = parseRetryAfter(response.retryAfter);
          return {
            ok: false,
            gone: false,
            reason,
            retryable: true,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          };
        }
        return { ok: false, gone: false, reason };
      } catch (error) {
        return {
          ok: false,
          gone: false,
          reason: error instanceof Error ? error.message : String(error),
          retryable: true,
        };
      }
    },
  };
}
