import { type ChangeEvent, type FormEvent, useState } from "react";
import { confirmWithPasskey } from "../../passkey/passkeyGuard.js";
import { MIN_PASSPHRASE_LENGTH } from "../../vault/backupFormat.js";
import { exportBackup, importBackup } from "../../vault/portable.js";
import { ErrorText } from "../Screen.js";
import { refreshAccounts, useDevice, useServices } from "../state.js";
import { showToast } from "../toast.js";
import { registerImported } from "../transfer/registerImported.js";

function download(text: string, filename: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function ExportBackup() {
  const { db } = useServices();
  const [passphrase, setPassphrase] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError("");
    if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
      return setError(`Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`);
    }
    if (passphrase !== repeat) return setError("The two passphrases differ.");
    setBusy(true);
    try {
      try {
        await confirmWithPasskey();
      } catch (caught) {
        return setError(
          `${caught instanceof Error ? caught.message : String(caught)} No backup was written; try again.`,
        );
      }
      const { text, count } = await exportBackup(db, passphrase);
      download(text, `countersign-backup-${new Date().toISOString().slice(0, 10)}.json`);
      setPassphrase("");
      setRepeat("");
      showToast(`Backup of ${count} account${count === 1 ? "" : "s"} downloaded`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={submit} noValidate>
      <h3>Export an encrypted backup</h3>
      <p className="hint">
        Every account, seeds included (passkey accounts by name: they have none), encrypted with your passphrase
        (PBKDF2-SHA-256, 600,000 rounds, AES-256-GCM). Without the passphrase the file is useless, so choose a long one
        and keep it apart from the file.
      </p>
      <label className="field">
        <span>Backup passphrase</span>
        <input
          type="password"
          autoComplete="new-password"
          value={passphrase}
          onChange={(event) => setPassphrase(event.target.value)}
        />
      </label>
      <label className="field">
        <span>Repeat the passphrase</span>
        <input
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(event) => setRepeat(event.target.value)}
        />
      </label>
      <ErrorText>{error}</ErrorText>
      <button type="submit" className="button button-secondary" disabled={busy} aria-busy={busy}>
        {busy ? "Encrypting…" : "Download encrypted backup"}
      </button>
    </form>
  );
}

function ImportBackup() {
  const services = useServices();
  const device = useDevice();
  const [file, setFile] = useState<File | undefined>();
  const [passphrase, setPassphrase] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError("");
    if (!file) return setError("Choose a backup file.");
    setBusy(true);
    try {
      const result = await importBackup(services.vault, await file.text(), passphrase);
      if (!result.ok) return setError(result.message);
      const warnings = device ? await registerImported(services, result.summary.added) : [];
      await refreshAccounts();
      const { added, skipped } = result.summary;
      setPassphrase("");
      showToast(
        `Imported ${added.length} account${added.length === 1 ? "" : "s"}` +
          (skipped.length ? `; ${skipped.length} already here, skipped` : "") +
          (warnings.length ? `. ${warnings[0]}` : ""),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={submit} noValidate>
      <h3>Import a backup</h3>
      <label className="field">
        <span>Backup file</span>
        <input
          type="file"
          accept="application/json,.json"
          onChange={(event: ChangeEvent<HTMLInputElement>) => setFile(event.target.files?.[0])}
        />
      </label>
      <label className="field">
        <span>Passphrase of the backup</span>
        <input
          type="password"
          autoComplete="current-password"
          value={passphrase}
          onChange={(event) => setPassphrase(event.target.value)}
        />
      </label>
      <ErrorText>{error}</ErrorText>
      <button type="submit" className="button button-secondary" disabled={busy} aria-busy={busy}>
        {busy ? "Decrypting…" : "Import backup"}
      </button>
    </form>
  );
}

/** Settings: encrypted backup to a file, and import from one. */
export function Backup() {
  return (
    <section className="section" aria-labelledby="backup-title">
      <h2 id="backup-title">Backup</h2>
      <ExportBackup />
      <ImportBackup />
    </section>
  );
}
