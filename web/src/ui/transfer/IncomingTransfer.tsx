import { useEffect, useSyncExternalStore } from "react";
import { type IncomingTransfer, receiveFromInviter } from "../../transfer/receiveTransfer.js";
import { refreshAccounts, useServices } from "../state.js";
import { registerImported } from "./registerImported.js";

/** The transfer this page is receiving, started by the pairing screen (the secret stays in memory only). */
let pending: { secret: string } | undefined;
let state: IncomingTransfer | undefined;
const listeners = new Set<() => void>();

function set(next: IncomingTransfer | undefined) {
  state = next;
  for (const listener of listeners) listener();
}

/** Called once pairing by an invite link that carried a transfer secret succeeded. */
export function startIncomingTransfer(secret: string): void {
  pending = { secret };
  set({ phase: "waiting", expiresAt: Date.now() + 10 * 60 * 1000 });
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A panel above the current screen while accounts arrive from the inviting device. */
export function IncomingTransferPanel() {
  const current = useSyncExternalStore(subscribe, () => state);
  const services = useServices();
  useEffect(() => {
    if (!pending) return;
    const { secret } = pending;
    pending = undefined;
    const controller = new AbortController();
    void receiveFromInviter(
      services,
      secret,
      (next) => {
        if (next.phase !== "done") return set(next);
        void registerImported(services, next.summary.added).then(async () => {
          await refreshAccounts();
          set(next);
        });
      },
      { signal: controller.signal },
    );
  }, [current, services]);
  if (!current) return null;
  return (
    <section className="card incoming-transfer" aria-labelledby="incoming-title" aria-live="polite">
      <h2 id="incoming-title">Accounts from your other device</h2>
      {current.phase === "waiting" ? (
        <p role="status">
          Waiting for your other device to send accounts… Keep this app open. They arrive end-to-end encrypted.
        </p>
      ) : current.phase === "done" ? (
        <>
          <p role="status">
            Received {current.summary.added.length} account{current.summary.added.length === 1 ? "" : "s"} from{" "}
            {current.from}.
            {current.summary.skipped.length > 0 ? ` ${current.summary.skipped.length} already here, skipped.` : ""}
          </p>
          <button type="button" className="button button-secondary" onClick={() => set(undefined)}>
            Done
          </button>
        </>
      ) : (
        <>
          <p className="error" role="alert">
            {current.message}
          </p>
          <button type="button" className="button button-secondary" onClick={() => set(undefined)}>
            Dismiss
          </button>
        </>
      )}
    </section>
  );
}
