import type { BrowserContext, CDPSession, Page } from "@playwright/test";
import type { PushService, PushSubscriptionJson } from "../harness/push-service.js";

/**
 * Connects a page to the local push service. A real `pushManager.subscribe`
 * cannot succeed in headless Chromium (it needs the browser vendor's push
 * service), so an init script replaces it with one returning a subscription
 * at the local service. What the server then sends is VAPID-checked and
 * decrypted by that service and delivered to the page's service worker through
 * CDP `ServiceWorker.deliverPushMessage`, as the browser would deliver it.
 */
export interface PushBridge {
  subscription: PushSubscriptionJson;
  /** Number of push messages delivered to the service worker so far. */
  delivered(): number;
  stop(): Promise<void>;
}

function fakePushManager(subscription: PushSubscriptionJson) {
  const decode = (text: string) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64 + "===".slice((base64.length + 3) % 4)), (c) => c.charCodeAt(0)).buffer;
  };
  const flag = "__countersign_e2e_push_subscribed";
  const make = (options: PushSubscriptionOptionsInit | undefined) => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    options: options ?? { userVisibleOnly: true },
    getKey: (name: "p256dh" | "auth") => decode(subscription.keys[name]),
    toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
    unsubscribe: async () => {
      localStorage.removeItem(flag);
      return true;
    },
  });
  PushManager.prototype.subscribe = async function subscribe(options?: PushSubscriptionOptionsInit) {
    localStorage.setItem(flag, "1");
    return make(options) as unknown as PushSubscription;
  };
  PushManager.prototype.getSubscription = async function getSubscription() {
    return (localStorage.getItem(flag) ? make(undefined) : null) as unknown as PushSubscription | null;
  };
  PushManager.prototype.permissionState = async () => "granted";
}

export async function connectPush(
  context: BrowserContext,
  page: Page,
  pushService: PushService,
  origin: string,
): Promise<PushBridge> {
  const subscription = pushService.createSubscription();
  await context.grantPermissions(["notifications"], { origin });
  await context.addInitScript(fakePushManager, subscription);

  const cdp: CDPSession = await context.newCDPSession(page);
  const registrations = new Map<string, string>();
  cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => {
    for (const registration of event.registrations) {
      if (registration.isDeleted) registrations.delete(registration.registrationId);
      else registrations.set(registration.registrationId, registration.scopeURL);
    }
  });
  await cdp.send("ServiceWorker.enable");

  let delivered = 0;
  let seen = 0;
  let stopped = false;
  const pump = (async () => {
    while (!stopped) {
      const messages = pushService.messages.filter((message) => message.endpoint === subscription.endpoint);
      while (seen < messages.length && !stopped) {
        const registrationId = [...registrations].find(([, scope]) => scope.startsWith(origin))?.[0];
        if (!registrationId) break;
        const message = messages[seen] as (typeof messages)[number];
        await cdp.send("ServiceWorker.deliverPushMessage", {
          origin,
          registrationId,
          data: message.body,
        });
        seen++;
        delivered++;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  return {
    subscription,
    delivered: () => delivered,
    stop: async () => {
      stopped = true;
      await pump.catch(() => undefined);
      await cdp.detach().catch(() => undefined);
    },
  };
}
