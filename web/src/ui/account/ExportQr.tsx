import { useState } from "react";
import { confirmWithPasskey } from "../../passkey/passkeyGuard.js";
import { exportOtpauthUri } from "../../vault/portable.js";
import { type AccountInfo, displayName } from "../../vault/vault.js";
import { ConfirmDialog } from "../ConfirmDialog.js";
import { QrImage } from "../qrImage.js";
import { useServices } from "../state.js";

/**
 * "Export as QR": the account's standard otpauth:// QR code, for another
 * authenticator app. Behind a confirmation: anyone who sees or photographs the
 * code can make this account's codes forever.
 */
export function ExportQr({ account }: { account: AccountInfo }) {
  const { db } = useServices();
  const [step, setStep] = useState<"closed" | "confirm" | "shown">("closed");
  const [uri, setUri] = useState<string | undefined>();
  const [error, setError] = useState("");
  const show = async () => {
    setError("");
    try {
      await confirmWithPasskey();
    } catch (caught) {
      return setError(`${caught instanceof Error ? caught.message : String(caught)} The QR code stays hidden.`);
    }
    setUri(await exportOtpauthUri(db, account.id));
    setStep("shown");
  };
  const hide = () => {
    setError("");
    setUri(undefined);
    setStep("closed");
  };
  if (step !== "shown") {
    return (
      <>
        <button type="button" className="button button-secondary" onClick={() => setStep("confirm")}>
          Export as QR…
        </button>
        {step === "confirm" ? (
          <ConfirmDialog
            title={`Show the secret of ${displayName(account)}?`}
            confirmLabel="Show the QR code"
            destructive
            onConfirm={show}
            onCancel={hide}
            error={error}
          >
            <p className="warning">
              The QR code contains the account's secret. Anyone who sees or photographs it can create this account's
              codes forever, without your phone. Show it only to scan it into another authenticator app, with nobody
              watching, and never share a screenshot of it.
            </p>
          </ConfirmDialog>
        ) : null}
      </>
    );
  }
  return (
    <div className="card">
      {uri ? <QrImage text={uri} label={`otpauth QR code of ${displayName(account)}`} /> : null}
      <button type="button" className="button" onClick={hide}>
        Hide the QR code
      </button>
    </div>
  );
}
