import type { AccountView } from "@countersign/shared";
import { type FormEvent, useId, useState } from "react";
import { guessDeviceName } from "../../device/device.js";
import { recoverDevice } from "../../device/recover.js";
import { Link } from "../Link.js";
import { CodeAndNameFields } from "../pair/CodeAndNameFields.js";
import { RecoveryCodeCard, showRecoveryCode } from "../recovery.js";
import { ErrorText, Screen } from "../Screen.js";
import { refreshAccounts, refreshDevice, useDevice, useServices } from "../state.js";

function accountName(account: { issuer: string; label: string }) {
  return account.issuer ? `${account.issuer}: ${account.label}` : account.label;
}

/**
 * A new phone takes over with the recovery code: it joins every account on
 * the server, so CI links keep their URLs; each seed comes back from a backup
 * or from the registry's 2FA page.
 */
export default function Recover() {
  const { db } = useServices();
  const device = useDevice();
  const [recoveryCode, setRecoveryCode] = useState("");
  const [name, setName] = useState(() => guessDeviceName(navigator.userAgent));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [accounts, setAccounts] = useState<AccountView[] | undefined>();
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    const result = await recoverDevice(db, { recoveryCode, name });
    setBusy(false);
    if (!result.ok) return setError(result.message);
    setRecoveryCode("");
    showRecoveryCode(result.data.recoveryCode);
    setAccounts(result.data.accounts);
    await Promise.all([refreshDevice(), refreshAccounts()]);
  };

  if (accounts) {
    return (
      <Screen title="Recovered">
        <p className="lead" role="status">
          This device is paired and now receives the requests of {accounts.length} account
          {accounts.length === 1 ? "" : "s"}. Your other devices were told.
        </p>
        <RecoveryCodeCard />
        <section className="section" aria-labelledby="reclaimed-title">
          <h2 id="reclaimed-title">Add the seeds again</h2>
          <p>
            The server never had your seeds. CI links keep working once this device has each seed again: import a backup
            in <Link to="/settings">Settings</Link>, or scan the QR code on the registry's 2FA page in{" "}
            <Link to="/add">Add account</Link> (use the same issuer and account name). An account whose 2FA is a passkey
            has no seed: add it again with “No code: my 2FA is a passkey or security key”.
          </p>
          <ul aria-label="Accounts to restore">
            {accounts.map((account) => (
              <li key={account.id}>{accountName(account)}</li>
            ))}
          </ul>
        </section>
      </Screen>
    );
  }

  if (device) {
    return (
      <Screen title="Recover with a recovery code">
        <p>
          This device is already paired as <strong>{device.name}</strong>.
        </p>
      </Screen>
    );
  }

  return (
    <Screen title="Recover with a recovery code" back="/pair">
      <p className="lead">
        Lost every paired device? The recovery code you stored at the first pairing pairs this one instead. It then
        holds all your accounts and CI links; the recovery code is replaced and your other devices, if any, are told.
      </p>
      <form className="form" onSubmit={submit} aria-describedby={error ? errorId : undefined}>
        <CodeAndNameFields
          codeLabel="Recovery code"
          codeName="recoveryCode"
          code={recoveryCode}
          onCodeChange={setRecoveryCode}
          codeAutoComplete="off"
          name={name}
          onNameChange={setName}
          invalid={!!error}
        />
        <ErrorText id={errorId}>{error}</ErrorText>
        <button type="submit" className="button" disabled={busy} aria-busy={busy}>
          Recover
        </button>
      </form>
      <p className="hint">At most five attempts per 15 minutes.</p>
    </Screen>
  );
}
