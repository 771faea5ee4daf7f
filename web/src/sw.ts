/// <reference lib="webworker" />
import { clientsClaim } from "workbox-core";
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import { approveRequest, denyRequest } from "./approval/answer.js";
import { loadDevice } from "./device/device.js";
import { loadOneTapUnverified } from "./notifications/oneTapPreference.js";
import { loadPasskeySettings } from "./passkey/passkeySettings.js";
import { getServices } from "./services.js";
import {
  approvalNotification,
  handleNotificationClick,
  notificationTag,
  parsePushPayload,
  securityNotification,
} from "./sw/notifications.js";
import type { WorkerMessage } from "./sw-bridge/messages.js";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

// "/" too is the shell (not index.html, whose first paint is a new phone's: see below).
precacheAndRoute(self.__WB_MANIFEST, { directoryIndex: "shell.html" });
cleanupOutdatedCaches();
clientsClaim();
// Every app route ("/", /pair, /approve/…) loads the precached shell, online or not; the API is never
// cached. The shell, not index.html: a phone with the worker may hold accounts, and index.html first
// paints the code list of a new phone (src/firstPaint.ts).
registerRoute(new NavigationRoute(createHandlerBoundToURL("/shell.html"), { denylist: [/^\/api\//] }));

self.addEventListener("message", (event) => {
  if ((event.data as { type?: string } | null)?.type === "SKIP_WAITING") void self.skipWaiting();
});

async function broadcast(message: WorkerMessage): Promise<void> {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) client.postMessage(message);
}

/** Whether this phone holds the account without a seed (a passkey account): it has no code to send. */
async function holdsNoCode(serverAccountId: string): Promise<boolean> {
  try {
    return (await (await getServices()).vault.findByServerId(serverAccountId))?.kind === "passkey";
  } catch {
    return false;
  }
}

async function onPush(data: unknown): Promise<void> {
  const payload = parsePushPayload(data);
  if (!payload) return;
  if (payload.type === "approval") {
    const spec = approvalNotification(payload, {
      noCode: await holdsNoCode(payload.accountId),
      oneTapUnverified: await loadOneTapUnverified(),
    });
    await self.registration.showNotification(spec.title, spec.options);
    await broadcast({ type: "approval-request", requestId: payload.requestId });
    return;
  }
  if (payload.type === "security") {
    const spec = securityNotification(payload);
    await self.registration.showNotification(spec.title, spec.options);
    return;
  }
  const open = await self.registration.getNotifications({ tag: notificationTag(payload.requestId) });
  // Close the question; a report of an answer this device gave from the notification stays.
  for (const notification of open) if (notification.data?.kind !== "outcome") notification.close();
  await broadcast({
    type: "request-answered",
    requestId: payload.requestId,
    status: payload.status,
    answeredBy: payload.answeredBy,
  });
}

self.addEventListener("push", (event) => {
  let data: unknown;
  try {
    data = event.data?.json();
  } catch {
    data = undefined;
  }
  event.waitUntil(onPush(data));
});

/** The click logic with this worker's real dependencies; exposed for tests that cannot click a notification. */
function clickDeps() {
  return {
    origin: self.location.origin,
    matchWindows: () => self.clients.matchAll({ type: "window", includeUncontrolled: true }),
    openWindow: (url: string) => self.clients.openWindow(url),
    approve: async (requestId: string) => approveRequest(await getServices(), requestId),
    deny: async (requestId: string) => denyRequest(await getServices(), requestId),
    showNotification: (title: string, options: NotificationOptions) =>
      self.registration.showNotification(title, options),
    notifyWindows: broadcast,
    requiresPasskey: async () => {
      const device = await loadDevice((await getServices()).db);
      return (await loadPasskeySettings(device?.deviceId)) !== undefined;
    },
  };
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(handleNotificationClick(event.action, event.notification.data, clickDeps()));
});

(self as unknown as { countersignNotificationClick: unknown }).countersignNotificationClick = (
  action: string,
  data: unknown,
) => handleNotificationClick(action, data, clickDeps());
