import type { TransferPickup } from "@countersign/shared";
import type { Services } from "../services.js";
import { type ImportSummary, receiveTransfer } from "../vault/portable.js";
import { generateTransferKey, transferIdFor } from "../vault/transferCrypto.js";

/** Where a new device stands in receiving accounts from the device that invited it. */
export type IncomingTransfer =
  | { phase: "waiting"; expiresAt: number }
  | { phase: "done"; from: string; summary: ImportSummary }
  | { phase: "failed"; message: string };

const POLL_MS = 1500;

/**
 * Receives the accounts the inviting device chooses to send: opens a transfer
 * with a fresh ECDH key under the id derived from the invite's secret, polls
 * until the ciphertext arrives or the transfer expires, then decrypts it into
 * the vault. Reports each phase through `onState`; stops when `signal` aborts.
 */
export async function receiveFromInviter(
  services: Services,
  secret: string,
  onState: (state: IncomingTransfer) => void,
  options: { signal?: AbortSignal; pollMs?: number } = {},
): Promise<ImportSummary | undefined> {
  const key = await generateTransferKey();
  const transferId = await transferIdFor(secret);
  const opened = await services.api.call<{ expiresAt: number }>("POST", "/api/v1/transfers", {
    transferId,
    publicKey: key.publicKeyJwk,
  });
  if (!opened.ok) {
    onState({ phase: "failed", message: opened.message });
    return undefined;
  }
  onState({ phase: "waiting", expiresAt: opened.data.expiresAt });
  while (!options.signal?.aborted) {
    const picked = await services.api.call<TransferPickup>("POST", `/api/v1/transfers/${transferId}/pickup`);
    if (!picked.ok) {
      if (picked.error === "offline") {
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? POLL_MS));
        continue;
      }
      onState({
        phase: "failed",
        message:
          picked.status === 404
            ? "No accounts arrived before the invite expired. Add them by scanning their QR codes or from a backup."
            : picked.message,
      });
      return undefined;
    }
    if (picked.data.status === "ready") {
      try {
        const summary = await receiveTransfer(services.vault, picked.data.sealed, key, secret);
        onState({ phase: "done", from: picked.data.from.name, summary });
        return summary;
      } catch {
        onState({
          phase: "failed",
          message: "The accounts could not be decrypted: they were not sealed for this device. Nothing was added.",
        });
        return undefined;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? POLL_MS));
  }
  return undefined;
}
