import type { ApprovalAnswerContent, PasskeyAssertion } from "@countersign/shared";
import { useSyncExternalStore } from "react";
import { loadDevice } from "../device/device.js";
import { getServices } from "../services.js";
import { loadPasskeySettings, type PasskeySettings } from "./passkeySettings.js";

/** Page-wide view of this device's passkey settings: undefined while loading, null without a passkey. */
let value: PasskeySettings | null | undefined;
let loaded = false;
const listeners = new Set<() => void>();

export async function refreshPasskeySettings(): Promise<PasskeySettings | null> {
  const device = await loadDevice((await getServices()).db);
  value = (await loadPasskeySettings(device?.deviceId)) ?? null;
  loaded = true;
  for (const listener of listeners) listener();
  return value;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (!loaded) void refreshPasskeySettings();
  return () => listeners.delete(listener);
}

export function usePasskeySettings(): PasskeySettings | null | undefined {
  return useSyncExternalStore(subscribe, () => value);
}

/** What approveRequest needs to sign approvals with this device's passkey (nothing when it has none). */
export async function passkeyApprovalDeps(): Promise<{
  assertApproval?: (requestId: string, answer: ApprovalAnswerContent) => Promise<PasskeyAssertion>;
}> {
  const settings = await refreshPasskeySettings();
  if (!settings) return {};
  // Loaded on demand: the first screen stays free of the WebAuthn library.
  const { assertApproval } = await import("./webauthn.js");
  return { assertApproval: (requestId, answer) => assertApproval(settings, requestId, answer) };
}
