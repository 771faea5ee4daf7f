import type { BrowserContext, CDPSession, Page } from "@playwright/test";
import type { PushService, PushSubscriptionJson } from "../harness/push-service.js";

/**
 * Connects a page to the local push service. A real `pushManager.subscribe`
 * cannot succeed in headless Chromium (it needs the browser vendor's push
 * service), so an init script replaces it with one that asks the local
 * service for a subscription bound to the page's `applicationServerKey`, as
 * a browser's push service binds it. What the server then sends is checked
 * (VAPID against that key, TTL) and decrypted by that service, and the
 * decrypted bytes are delivered to the page's service worker through CDP
 * `ServiceWorker.deliverPushMessage`, as the browser would deliver them.
 */
export interface PushBridge {
  /** The page's current subscription; throws while the page has none. */
  readonly subscription: PushSubscriptionJson;
  /** Number of push messages delivered to the service worker so far. */
  delivered(): number;
  /** Stops delivering; rejects if a delivery failed. */
  stop(): Promise<void>;
  /**
   * What the push path saw, for a failed test's report: the page's subscription,
   * the service worker registrations CDP reported, each message the push service
   * accepted (delivered or not), its refusals, and a delivery error.
   */
  report(): string;
}

const SUBSCRIBE = "__countersignE2ePushSubscribe";
const UNSUBSCRIBE = "__countersignE2ePushUnsubscribe";

/** Runs in the page, before its scripts: a PushManager backed by the local push service. */
function fakePushManager(names: { subscribe: string; unsubscribe: string }) {
  type Saved = PushSubscriptionJson & { applicationServerKey: string };
  const bridge = window as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const storageKey = "__countersign_e2e_push_subscription";
  const decode = (text: string) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64 + "===".slice((base64.length + 3) % 4)), (c) => c.charCodeAt(0)).buffer;
  };
  const encode = (key: BufferSource | string): string => {
    if (typeof key === "string") return key;
    const bytes =
      key instanceof ArrayBuffer ? new Uint8Array(key) : new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
    return btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  };
  const saved = (): Saved | null => {
    const text = localStorage.getItem(storageKey);
    return text ? (JSON.parse(text) as Saved) : null;
  };
  const make = (subscription: Saved) => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: decode(subscription.applicationServerKey) },
    getKey: (name: "p256dh" | "auth") => decode(subscription.keys[name]),
    toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
    unsubscribe: async () => {
      localStorage.removeItem(storageKey);
      await bridge[names.unsubscribe]?.(subscription.endpoint);
      return true;
    },
  });
  PushManager.prototype.subscribe = async function subscribe(options?: PushSubscriptionOptionsInit) {
    if (!options?.applicationServerKey) {
      throw new DOMException("Registration failed - missing applicationServerKey", "AbortError");
    }
    const key = encode(options.applicationServerKey);
    const existing = saved();
    if (existing) {
      // Chromium refuses to resubscribe an existing subscription with another key.
      if (existing.applicationServerKey !== key) {
        throw new DOMException(
          "Registration failed - A subscription with a different applicationServerKey already exists",
          "InvalidStateError",
        );
      }
      return make(existing) as unknown as PushSubscription;
    }
    const created = (await bridge[names.subscribe]?.(key)) as PushSubscriptionJson;
    const subscription: Saved = { ...created, applicationServerKey: key };
    localStorage.setItem(storageKey, JSON.stringify(subscription));
    return make(subscription) as unknown as PushSubscription;
  };
  PushManager.prototype.getSubscription = async function getSubscription() {
    const subscription = saved();
    return (subscription ? make(subscription) : null) as unknown as PushSubscription | null;
  };
  PushManager.prototype.permissionState = async () => "granted";
}

export async function connectPush(
  context: BrowserContext,
  page: Page,
  pushService: PushService,
  origin: string,
): Promise<PushBridge> {
  const state: { current: PushSubscriptionJson | null } = { current: null };
  await context.grantPermissions(["notifications"], { origin });
  await context.exposeBinding(SUBSCRIBE, (_source, applicationServerKey: string) => {
    state.current = pushService.createSubscription({ applicationServerKey });
    return state.current;
  });
  await context.exposeBinding(UNSUBSCRIBE, (_source, endpoint: string) => {
    // A browser's unsubscribe ends the subscription at its push service: later pushes get 410.
    pushService.expire(endpoint);
    if (state.current?.endpoint === endpoint) state.current = null;
  });
  await context.addInitScript(fakePushManager, { subscribe: SUBSCRIBE, unsubscribe: UNSUBSCRIBE });

  const cdp: CDPSession = await context.newCDPSession(page);
  const registrations = new Map<string, string>();
  cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => {
    for (const registration of event.registrations) {
      if (registration.isDeleted) registrations.delete(registration.registrationId);
      else registrations.set(registration.registrationId, registration.scopeURL);
    }
  });
  await cdp.send("ServiceWorker.enable");

  const seen = new Map<(typeof pushService.messages)[number], string>();
  const started = Date.now();
  const at = () => `+${Date.now() - started} ms`;
  let delivered = 0;
  let stopped = false;
  let failure: unknown;
  const scope = `${origin}/`;
  const pump = (async () => {
    while (!stopped) {
      const endpoint = state.current?.endpoint;
      for (const message of pushService.messages) {
        if (stopped || message.endpoint !== endpoint || seen.has(message)) continue;
        const registrationId = [...registrations].find(([, url]) => url === scope)?.[0];
        if (!registrationId) break;
        // The bytes the server sent, as the push service decrypted them with the subscription's keys.
        await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId, data: message.body });
        seen.set(message, `delivered ${at()} (registration ${registrationId})`);
        delivered++;
      }
      // Not synchronisation: the pump's own cadence, how often it looks for new messages.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })().catch((error: unknown) => {
    failure = error;
    throw error;
  });

  return {
    get subscription() {
      if (!state.current) throw new Error("the page has not subscribed to push (turn notifications on first)");
      return state.current;
    },
    delivered: () => delivered,
    report: () => {
      // The most telling lines first: a reporter shows only the start of a text attachment.
      const summary = (payload: unknown) => {
        const p = (payload ?? {}) as Record<string, unknown>;
        return `${String(p.type)} ${String(p.requestId ?? p.title ?? "")}`.slice(0, 40);
      };
      return [
        ...(failure ? [`delivery stopped: ${String(failure)}`] : []),
        ...pushService.messages.map(
          (message) =>
            `${summary(message.payload)}: ${message.endpoint === state.current?.endpoint ? "" : "for another subscription, "}${seen.get(message) ?? "not delivered"}`,
        ),
        ...pushService.refusals.map((refusal) => `refused ${refusal.status}: ${refusal.reason}`),
        `${pushService.messages.length} accepted, ${delivered} delivered; subscription: ${state.current?.endpoint ?? "none"}`,
        `registrations: ${[...registrations].map(([id, url]) => `${id} ${url}`).join(", ") || "none"}`,
      ].join("\n");
    },
    stop: async () => {
      stopped = true;
      try {
        await pump;
      } catch (error) {
        // A delivery cut short by the page closing at the end of the test is no failure.
        if (!page.isClosed()) throw error;
      } finally {
        await cdp.detach().catch(() => undefined);
      }
    },
  };
}
