import { isWorkerMessage, notificationTag, type WorkerMessage } from "./messages.js";

/**
 * The page's side of page ↔ service-worker messaging, and the worker's
 * registration and updates. Nothing else in the page talks to the worker.
 */

type Listener<T> = (value: T) => void;

const messageListeners = new Set<Listener<WorkerMessage>>();
const updateListeners = new Set<Listener<boolean>>();
let registration: ServiceWorkerRegistration | undefined;
let updateReady = false;

/** Registers /sw.js (production builds only) and starts relaying its messages. */
export function startServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (!isWorkerMessage(event.data)) return;
    for (const listener of messageListeners) listener(event.data);
  });
  if (!import.meta.env.PROD) return;
  // A page the worker controlled reloads when another version takes over (this one's Update, or
  // another tab's): its scripts are the old version's. The first worker taking control is no update.
  let controlled = navigator.serviceWorker.controller !== null;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (controlled) window.location.reload();
    controlled = true;
  });
  // Registered once the page has loaded, so the first screen's requests have the network to themselves.
  const register = async () => {
    registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    const reg = registration;
    // A version is waiting when it is installed while another one is active (the first one activates at once).
    const watch = (worker: ServiceWorker | null) => {
      worker?.addEventListener("statechange", () => {
        if (worker.state === "installed" && reg.active && reg.active !== worker) announceUpdate();
      });
    };
    if (reg.waiting && reg.active) announceUpdate();
    watch(reg.installing);
    reg.addEventListener("updatefound", () => watch(reg.installing));
  };
  if (document.readyState === "complete") void register();
  else window.addEventListener("load", () => void register(), { once: true });
}

function announceUpdate(): void {
  updateReady = true;
  for (const listener of updateListeners) listener(true);
}

export function onWorkerMessage(listener: Listener<WorkerMessage>): () => void {
  messageListeners.add(listener);
  return () => messageListeners.delete(listener);
}

/** Calls `listener(true)` when a new version is installed and waiting. */
export function onUpdateReady(listener: Listener<boolean>): () => void {
  updateListeners.add(listener);
  if (updateReady) listener(true);
  return () => updateListeners.delete(listener);
}

/** Activates the waiting version; the page reloads once it takes control. */
export function applyUpdate(): void {
  registration?.waiting?.postMessage({ type: "SKIP_WAITING" });
}

/** Asks the installed worker to look for a new version now. */
export async function checkForUpdate(): Promise<void> {
  await registration?.update();
}

export async function serviceWorkerRegistration(): Promise<ServiceWorkerRegistration | undefined> {
  if (!("serviceWorker" in navigator)) return undefined;
  return navigator.serviceWorker.ready;
}

/** Closes the notification of a request this page has just answered (the server only tells other devices). */
export async function closeRequestNotification(requestId: string): Promise<void> {
  if (!navigator.serviceWorker?.controller) return;
  const registration = await serviceWorkerRegistration();
  const open = (await registration?.getNotifications({ tag: notificationTag(requestId) })) ?? [];
  for (const notification of open) notification.close();
}
