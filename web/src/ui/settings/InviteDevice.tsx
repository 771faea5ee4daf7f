import type { InviteView, TransferView } from "@countersign/shared";
import { useEffect, useState } from "react";
import { callWithPasskey } from "../../passkey/passkeyGuard.js";
import { sealAccountsForTransfer } from "../../vault/portable.js";
import { newTransferSecret, transferIdFor } from "../../vault/transferCrypto.js";
import { displayName } from "../../vault/vault.js";
import { QrImage } from "../qrImage.js";
import { ErrorText } from "../Screen.js";
import { settle } from "../settle.js";
import { useAccounts, useServices } from "../state.js";
import { copyText, showToast } from "../toast.js";

const POLL_MS = 2000;

interface ActiveInvite extends InviteView {
  /** The invite link with the transfer secret in its fragment. */
  link: string;
  secret: string;
  transferId: string;
}

/** Waits for the invited device to open its transfer, then lets the user choose which accounts to send it. */
function SendAccounts({ invite, onFinished }: { invite: ActiveInvite; onFinished: () => void }) {
  const { api, db } = useServices();
  const accounts = useAccounts() ?? [];
  const [peer, setPeer] = useState<TransferView | undefined>();
  const [chosen, setChosen] = useState<Set<string> | undefined>();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (peer) return;
    let cancelled = false;
    const poll = async () => {
      while (!cancelled && Date.now() < invite.expiresAt) {
        const found = await api.call<TransferView>("GET", `/api/v1/transfers/${invite.transferId}`);
        if (cancelled) return;
        if (found.ok) {
          setPeer(found.data);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    };
    void poll();
    return () => {
      cancelled = true;
    };
  }, [api, invite, peer]);

  if (!peer) return <p role="status">Waiting for the new device to scan the code…</p>;
  const selected = chosen ?? new Set(accounts.map((a) => a.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  };
  const send = async () => {
    setBusy(true);
    setError("");
    const result = await settle(async () => {
      const sealed = await sealAccountsForTransfer(db, [...selected], peer.publicKey, invite.secret);
      return callWithPasskey(api, "transfer", "PUT", `/api/v1/transfers/${invite.transferId}/sealed`, { ...sealed });
    });
    setBusy(false);
    if (!result.ok) return setError(result.message);
    showToast(`Sent ${selected.size} account${selected.size === 1 ? "" : "s"} to ${peer.to.name}`);
    onFinished();
  };
  return (
    <div className="form">
      <p role="status">
        <strong>{peer.to.name}</strong> joined. Choose the accounts to send it. They travel end-to-end encrypted: the
        server relays ciphertext only.
      </p>
      <fieldset className="choices">
        <legend>Accounts to send</legend>
        {accounts.map((account) => (
          <label key={account.id} className="choice">
            <input type="checkbox" checked={selected.has(account.id)} onChange={() => toggle(account.id)} />
            <span>
              {displayName(account)}
              {account.kind === "passkey" ? " (passkey, no code)" : ""}
            </span>
          </label>
        ))}
      </fieldset>
      <ErrorText>{error}</ErrorText>
      <div className="actions">
        <button type="button" className="button" disabled={busy || selected.size === 0} onClick={() => void send()}>
          Send {selected.size} account{selected.size === 1 ? "" : "s"}
        </button>
        <button type="button" className="button button-secondary" disabled={busy} onClick={onFinished}>
          Send nothing
        </button>
      </div>
    </div>
  );
}

/**
 * "Invite another device": a short-lived, single-use invite shown as a QR code
 * and a link. The link's fragment also carries a random transfer secret (never
 * sent to the server) with which this device can send seeds to the new one.
 */
export function InviteDevice() {
  const { api } = useServices();
  const [invite, setInvite] = useState<ActiveInvite | undefined>();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setError("");
    setBusy(true);
    const result = await settle(() => callWithPasskey<InviteView>(api, "invite", "POST", "/api/v1/invites"));
    setBusy(false);
    if (!result.ok) return setError(result.message);
    const secret = newTransferSecret();
    setInvite({
      ...result.data,
      link: `${result.data.url}&transfer=${secret}`,
      secret,
      transferId: await transferIdFor(secret),
    });
  };
  return (
    <div className="form">
      {invite ? (
        <>
          <p>Scan this code with the new phone's camera, or open the link on it.</p>
          <QrImage text={invite.link} label="Invite QR code" />
          <label className="field">
            <span>Invite link (open it on the other device)</span>
            <input readOnly value={invite.link} onFocus={(event) => event.target.select()} />
          </label>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void copyText(invite.link, "Invite link")}
          >
            Copy invite link
          </button>
          <p className="hint">Valid until {new Date(invite.expiresAt).toLocaleTimeString()}. It works once.</p>
          <SendAccounts invite={invite} onFinished={() => setInvite(undefined)} />
        </>
      ) : (
        <button type="button" className="button button-secondary" disabled={busy} onClick={() => void create()}>
          Invite another device
        </button>
      )}
      <ErrorText>{error}</ErrorText>
    </div>
  );
}
