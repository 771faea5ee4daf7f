import type { PushPayload, PushSubscriptionBody } from "@countersign/shared";
import webpush from "web-push";
import type { Store } from "../store/Store.js";
import { validatePushEndpoint } from "./validatePushEndpoint.js";

export type PushResult =
  | { ok: true }
  /** The push service says the subscription is gone (404/410): drop it. */
  | { ok: false; gone: true; status: number }
  | { ok: false; gone: false; reason: string };

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

/** The server's VAPID key pair, generated on first use and kept in the store. */
export async function ensureVapidKeys(store: Store): Promise<VapidKeys> {
  const saved = await store.getSetting(VAPID_SETTING);
  if (saved) return JSON.parse(saved) as VapidKeys;
  const keys = webpush.generateVAPIDKeys();
  await store.setSetting(VAPID_SETTING, JSON.stringify(keys));
  return keys;
}

/**
 * Sends encrypted (aes128gcm), VAPID-signed pushes with `fetch`, which unlike
 * web-push's own sender also speaks plain http (local test push services).
 * Approvals are urgent and useless after the request expires, hence
 * `Urgency: high` and a TTL of the request's lifetime.
 */
export function createWebPushSender(options: {
  vapid: VapidKeys;
  subject: string;
  ttlSeconds: number;
  pushAllow: string[];
  timeoutMs?: number;
}): PushSender {
  return {
    vapidPublicKey: options.vapid.publicKey,
    async send(subscription, payload) {
      const problem = validatePushEndpoint(subscription.endpoint, options.pushAllow);
      if (problem) return { ok: false, gone: false, reason: problem };
      const details = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: subscription.keys },
        JSON.stringify(payload),
        {
          vapidDetails: { subject: options.subject, ...options.vapid },
          TTL: options.ttlSeconds,
          urgency: "high",
          contentEncoding: "aes128gcm",
        },
      );
      try {
        const response = await fetch(details.endpoint, {
          method: details.method,
          headers: Object.fromEntries(Object.entries(details.headers).map(([name, value]) => [name, String(value)])),
          body: details.body ? new Uint8Array(details.body) : null,
          redirect: "error",
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        await response.body?.cancel();
        if (response.ok) return { ok: true };
        if (response.status === 404 || response.status === 410)
          return { ok: false, gone: true, status: response.status };
        return { ok: false, gone: false, reason: `push service answered ${response.status}` };
      } catch (error) {
        return { ok: false, gone: false, reason: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
