import type { PushSubscriptionBody } from "@countersign/shared";
import type { ApiClient } from "../api/client.js";
import { serviceWorkerRegistration } from "../sw-bridge/index.js";

/** Whether this browser can receive approvals by push, and if not, why. */
export type PushSupport = "available" | "ios-needs-home-screen" | "denied" | "unsupported";

export function pushSupport(): PushSupport {
  const ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
  const standalone =
    window.matchMedia?.("(display-mode: standalone)").matches ||
    (navigator as Navigator & { standalone?: boolean }).standalone === true;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return ios && !standalone ? "ios-needs-home-screen" : "unsupported";
  }
  if (ios && !standalone) return "ios-needs-home-screen";
  if (Notification.permission === "denied") return "denied";
  return "available";
}

function base64urlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(text.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function vapidPublicKey(): Promise<string> {
  const response = await fetch("/api/v1/push/vapid-public-key", { cache: "no-store" });
  if (!response.ok) throw new Error(`The server did not give its push key (HTTP ${response.status}).`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("json")) return (await response.text()).trim();
  const body = (await response.json()) as Record<string, unknown>;
  const key = body.publicKey ?? body.key ?? body.vapidPublicKey;
  if (typeof key !== "string") throw new Error("The server's push key has an unexpected shape.");
  return key;
}

export async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await serviceWorkerRegistration();
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/**
 * Turns notifications on. Call it from a click: browsers only ask for
 * permission during a user gesture. The subscription goes to the server, which
 * pushes approval requests to it.
 */
export async function enableNotifications(api: ApiClient): Promise<{ ok: true } | { ok: false; message: string }> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    return {
      ok: false,
      message:
        permission === "denied"
          ? "Notifications are blocked for this site. Allow them in the browser's site settings, then try again."
          : "Notifications were not allowed.",
    };
  }
  try {
    const registration = await serviceWorkerRegistration();
    if (!registration) return { ok: false, message: "This browser has no service worker support." };
    const key = await vapidPublicKey();
    const existing = await registration.pushManager.getSubscription();
    const subscription =
      existing ??
      (await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: base64urlToBytes(key),
      }));
    const json = subscription.toJSON();
    const body: PushSubscriptionBody = {
      endpoint: subscription.endpoint,
      expirationTime: json.expirationTime ?? null,
      keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
    };
    const result = await api.call("PUT", "/api/v1/devices/me/push", body);
    return result.ok ? { ok: true } : { ok: false, message: result.message };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : "Could not subscribe to push." };
  }
}

export async function disableNotifications(api: ApiClient): Promise<{ ok: true } | { ok: false; message: string }> {
  const subscription = await currentSubscription();
  await subscription?.unsubscribe();
  const result = await api.call("DELETE", "/api/v1/devices/me/push");
  return result.ok || result.status === 404 ? { ok: true } : { ok: false, message: result.message };
}
