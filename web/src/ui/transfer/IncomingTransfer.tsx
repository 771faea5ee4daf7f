import { useEffect } from "react";
import { receiveFromInviter } from "../../transfer/receiveTransfer.js";
import { refreshAccounts, useServices } from "../state.js";
import { setIncomingState as set, takePendingSecret, useIncomingTransfer } from "./incoming.js";
import { registerImported } from "./registerImported.js";

/** A panel above the current screen while accounts arrive from the inviting device. */
export function IncomingTransferPanel() {
  const current = useIncomingTransfer();
  const services = useServices();
  useEffect(() => {
    const secret = takePendingSecret();
    if (!secret) return;
    void receiveFromInviter(services, secret, (next) => {
      if (next.phase !== "done") return set(next);
      void registerImported(services, next.summary.added).then(async () => {
        await refreshAccounts();
        set(next);
      });
    });
  }, [services]);
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
