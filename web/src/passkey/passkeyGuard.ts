import type { PasskeyPurpose } from "@countersign/shared";
import type { ApiClient, ApiResult } from "../api/client.js";
import { refreshPasskeySettings } from "./usePasskeySettings.js";

/** The server-side actions guarded by the passkey besides turning it off. */
export type GuardedPurpose = Exclude<PasskeyPurpose, "remove">;

/**
 * A call the server refuses from a device with a passkey unless it carries a
 * fresh assertion (inviting a device, sending it seeds, a new recovery code).
 * With "Require passkey to approve" on here, the passkey is asked for first and
 * its assertion added to the body; a device whose app lost its record of the
 * passkey learns it from the server's `passkey_required` and asks then. A
 * cancelled or failed prompt throws a PasskeyError saying nothing was changed
 * (nothing was sent).
 */
export async function callWithPasskey<T>(
  api: ApiClient,
  purpose: GuardedPurpose,
  method: string,
  path: string,
  body: Record<string, unknown> = {},
): Promise<ApiResult<T>> {
  if (!(await refreshPasskeySettings())) {
    const result = await api.call<T>(method, path, body);
    if (result.ok || result.error !== "passkey_required") return result;
  }
  // Loaded on demand: the first screen stays free of the WebAuthn library.
  const { provePasskey } = await import("./webauthn.js");
  return api.call<T>(method, path, { ...body, assertion: await provePasskey(api, purpose) });
}

/**
 * For actions that show or write seeds on this phone only (backup export, QR
 * export): with the requirement on, the passkey must verify the user first.
 * Throws a PasskeyError (the action must then not happen); resolves at once
 * when this device has no passkey.
 */
export async function confirmWithPasskey(): Promise<void> {
  const settings = await refreshPasskeySettings();
  if (!settings) return;
  const { verifyPasskeyLocally } = await import("./webauthn.js");
  await verifyPasskeyLocally(settings);
}
