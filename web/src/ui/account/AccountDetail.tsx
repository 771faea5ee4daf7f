import { type FormEvent, useEffect, useState } from "react";
import { callWithPasskey } from "../../passkey/passkeyGuard.js";
import { type AccountInfo, displayName } from "../../vault/vault.js";
import { registerWithServer } from "../add/saveAccount.js";
import { ConfirmDialog } from "../ConfirmDialog.js";
import { groupCode } from "../format.js";
import { Link } from "../Link.js";
import { navigate } from "../router.js";
import { ErrorText, Screen } from "../Screen.js";
import { settle } from "../settle.js";
import { refreshAccounts, useDevice, useServices } from "../state.js";
import { copyText, showToast } from "../toast.js";
import { useNow } from "../useNow.js";
import { ExportQr } from "./ExportQr.js";
import { History } from "./History.js";
import { Links } from "./Links.js";
import "./account.css";

function RenameForm({ account, onDone }: { account: AccountInfo; onDone: () => void }) {
  const services = useServices();
  const [issuer, setIssuer] = useState(account.issuer);
  const [label, setLabel] = useState(account.label);
  const [error, setError] = useState("");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!label.trim()) return setError("Enter the account name.");
    if (account.serverId) {
      const path = `/api/v1/accounts/${encodeURIComponent(account.serverId)}`;
      const body = { issuer: issuer.trim(), label: label.trim() };
      const result = await settle(() => callWithPasskey(services.api, "rename_account", "PATCH", path, body));
      if (!result.ok) return setError(result.message);
    }
    await services.vault.rename(account.id, { issuer, label });
    await refreshAccounts();
    showToast("Renamed");
    onDone();
  };
  return (
    <form className="form card" onSubmit={submit}>
      <label className="field">
        <span>Issuer</span>
        <input value={issuer} onChange={(event) => setIssuer(event.target.value)} maxLength={200} />
      </label>
      <label className="field">
        <span>Account name</span>
        <input value={label} onChange={(event) => setLabel(event.target.value)} maxLength={200} required />
      </label>
      <ErrorText>{error}</ErrorText>
      <div className="row">
        <button type="submit" className="button">
          Save
        </button>
        <button type="button" className="button button-secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DeleteConfirm({ account, onCancel }: { account: AccountInfo; onCancel: () => void }) {
  const services = useServices();
  const [error, setError] = useState("");
  const [offerLocal, setOfferLocal] = useState(false);
  const removeLocal = async () => {
    await services.vault.remove(account.id);
    await refreshAccounts();
    showToast(`Deleted ${displayName(account)}`);
    navigate("/", { replace: true });
  };
  const remove = async () => {
    if (account.serverId) {
      const path = `/api/v1/accounts/${encodeURIComponent(account.serverId)}`;
      const result = await settle(() => callWithPasskey(services.api, "delete_account", "DELETE", path));
      // Not sent (the passkey prompt failed): nothing was deleted anywhere, so no offer to delete here only.
      if (!result.ok && result.error === "not_sent") return setError(result.message);
      if (!result.ok && result.status !== 404) {
        setError(`The server could not delete it: ${result.message}`);
        setOfferLocal(true);
        return;
      }
    }
    await removeLocal();
  };
  return (
    <ConfirmDialog
      title={`Delete ${displayName(account)}?`}
      confirmLabel="Delete account"
      destructive
      onConfirm={remove}
      onCancel={onCancel}
      error={error}
      extra={
        offerLocal ? (
          <button type="button" className="button button-secondary" onClick={() => void removeLocal()}>
            Delete on this device only
          </button>
        ) : null
      }
    >
      <p>
        {account.kind === "passkey"
          ? "It is removed from this device and its CI links stop working."
          : `The secret is erased from this device and its CI links stop working. Make sure you can still sign in to ${account.issuer || "this service"} another way.`}
      </p>
    </ConfirmDialog>
  );
}

export default function AccountDetail({ id }: { id: string }) {
  const services = useServices();
  const device = useDevice();
  const [account, setAccount] = useState<AccountInfo | null | undefined>();
  const [code, setCode] = useState<{ otp: string; notAfter: number } | undefined>();
  const [mode, setMode] = useState<"view" | "rename" | "delete">("view");
  const [registerError, setRegisterError] = useState("");
  const now = useNow(1000);

  const reload = async () => setAccount((await services.vault.getAccount(id)) ?? null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the account or its mode changes
  useEffect(() => {
    void reload();
  }, [id, mode]);
  useEffect(() => {
    if (account?.kind !== "totp" || (code && code.notAfter > now)) return;
    void services.vault.currentCode(account.id, now).then(setCode);
  }, [account, code, now, services]);

  if (account === undefined) return <Screen title="Account">{null}</Screen>;
  if (account === null) {
    return (
      <Screen title="Account">
        <p>This account is not on this device.</p>
      </Screen>
    );
  }
  const name = displayName(account);
  const register = async () => {
    setRegisterError("");
    const warning = await registerWithServer(services, account);
    if (warning) setRegisterError(warning);
    await reload();
  };

  return (
    <Screen title={name}>
      {account.kind === "passkey" ? (
        <p className="lead">
          No code on this phone: {account.issuer || "the registry"} asks for a passkey or security key. When CI
          publishes, approving opens {account.issuer || "the registry"}'s page, where you use it.
        </p>
      ) : (
        <>
          <button type="button" className="big-code" onClick={() => code && void copyText(code.otp, "Code")}>
            {code ? groupCode(code.otp) : "··· ···"}
            <span className="visually-hidden"> (tap to copy)</span>
          </button>
          <p className="hint">
            {account.algorithm}, {account.digits} digits, every {account.period} s
            {code ? ` · ${Math.max(0, Math.ceil((code.notAfter - now) / 1000))} s left` : ""}
          </p>
        </>
      )}
      {mode === "delete" ? <DeleteConfirm account={account} onCancel={() => setMode("view")} /> : null}
      {mode === "rename" ? (
        <RenameForm account={account} onDone={() => setMode("view")} />
      ) : (
        <div className="row">
          <button type="button" className="button button-secondary" onClick={() => setMode("rename")}>
            Rename
          </button>
          <button type="button" className="button button-danger" onClick={() => setMode("delete")}>
            Delete
          </button>
        </div>
      )}
      {mode !== "rename" && account.kind === "totp" ? <ExportQr account={account} /> : null}
      {account.serverId && device ? (
        <>
          <Links serverId={account.serverId} noCode={account.kind === "passkey"} />
          <History serverId={account.serverId} issuer={account.issuer} />
        </>
      ) : device ? (
        <section className="section">
          <h2>CI links</h2>
          <p>This account is not registered with the server yet, so CI cannot ask for its codes.</p>
          <button type="button" className="button" onClick={() => void register()}>
            Register with server
          </button>
          <ErrorText>{registerError}</ErrorText>
        </section>
      ) : (
        <section className="section">
          <h2>CI links</h2>
          <p>
            <Link to="/pair">Pair this device</Link> with your Countersign server to create CI links.
          </p>
        </section>
      )}
    </Screen>
  );
}
