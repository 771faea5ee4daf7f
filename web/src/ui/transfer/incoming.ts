import { useSyncExternalStore } from "react";
import type { IncomingTransfer } from "../../transfer/receiveTransfer.js";

/**
 * The transfer this page is receiving, started by the pairing screen. Kept
 * in memory only (the secret from the invite link never touches storage).
 * Tiny on purpose: the first screen imports it to know whether to load the panel.
 */
let pendingSecret: string | undefined;
let state: IncomingTransfer | undefined;
const listeners = new Set<() => void>();

export function setIncomingState(next: IncomingTransfer | undefined): void {
  state = next;
  for (const listener of listeners) listener();
}

/** Called once pairing by an invite link that carried a transfer secret succeeded. */
export function startIncomingTransfer(secret: string): void {
  pendingSecret = secret;
  setIncomingState({ phase: "waiting", expiresAt: Date.now() + 10 * 60 * 1000 });
}

/** The secret to receive with, handed out once. */
export function takePendingSecret(): string | undefined {
  const secret = pendingSecret;
  pendingSecret = undefined;
  return secret;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useIncomingTransfer(): IncomingTransfer | undefined {
  return useSyncExternalStore(subscribe, () => state);
}
