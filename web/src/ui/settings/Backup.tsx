import { type ChangeEvent, type FormEvent, type ReactNode, useState } from "react";
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

/** A passphrase input under its label. */
function PassphraseField(props: {
  label: string;
  autoComplete: "new-password" | "current-password";
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        type="password"
        autoComplete={props.autoComplete}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </label>
  );
}

/**
 * A backup form: its title, its fields, the error and the submit button. On
 * submit it clears the error and runs `run`, busy meanwhile (the button
 * disabled, saying `busyLabel`); a message `run` returns is shown as the error.
 */
function BackupForm(props: {
  title: string;
  submitLabel: string;
  busyLabel: string;
  run: () => Promise<string | undefined>;
  children: ReactNode;
}) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError("");
    setBusy(true);
    try {
      setError((await props.run()) ?? "");
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={submit} noValidate>
      <h3>{props.title}</h3>
      {props.children}
      <ErrorText>{error}</ErrorText>
      <button type="submit" className="button button-secondary" disabled={busy} aria-busy={busy}>
        {busy ? props.busyLabel : props.submitLabel}
      </button>
    </form>
  );
}

function ExportBackup() {
  const { db } = useServices();
  const [passphrase, setPassphrase] = useState("");
  const [repeat, setRepeat] = useState("");
  const run = async () => {
    if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
      return `Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`;
    }
    if (passphrase !== repeat) return "The two passphrases differ.";
    try {
      await confirmWithPasskey();
    } catch (caught) {
      return `${caught instanceof Error ? caught.message : String(caught)} No backup was written; try again.`;
    }
    const { text, count } = await exportBackup(db, passphrase);
    download(text, `countersign-backup-${new Date().toISOString().slice(0, 10)}.json`);
    setPassphrase("");
    setRepeat("");
    showToast(`Backup of ${count} account${count === 1 ? "" : "s"} downloaded`);
    return undefined;
  };
  return (
    <BackupForm
      title="Export an encrypted backup"
      submitLabel="Download encrypted backup"
      busyLabel="Encrypting…"
      run={run}
    >
      <p className="hint">
        Every account, seeds included (passkey accounts by name: they have none), encrypted with your passphrase
        (PBKDF2-SHA-256, 600,000 rounds, AES-256-GCM). Without the passphrase the file is useless, so choose a long one
        and keep it apart from the file.
      </p>
      <PassphraseField
        label="Backup passphrase"
        autoComplete="new-password"
        value={passphrase}
        onChange={setPassphrase}
      />
      <PassphraseField label="Repeat the passphrase" autoComplete="new-password" value={repeat} onChange={setRepeat} />
    </BackupForm>
  );
}

function ImportBackup() {
  const services = useServices();
  const device = useDevice();
  const [file, setFile] = useState<File | undefined>();
  const [passphrase, setPassphrase] = useState("");
  const run = async () => {
    if (!file) return "Choose a backup file.";
    const result = await importBackup(services.vault, await file.text(), passphrase);
    if (!result.ok) return result.message;
    const warnings = device ? await registerImported(services, result.summary.added) : [];
    await refreshAccounts();
    const { added, skipped } = result.summary;
    setPassphrase("");
    showToast(
      `Imported ${added.length} account${added.length === 1 ? "" : "s"}` +
        (skipped.length ? `; ${skipped.length} already here, skipped` : "") +
        (warnings.length ? `. ${warnings[0]}` : ""),
    );
    return undefined;
  };
  return (
    <BackupForm title="Import a backup" submitLabel="Import backup" busyLabel="Decrypting…" run={run}>
      <label className="field">
        <span>Backup file</span>
        <input
          type="file"
          accept="application/json,.json"
          onChange={(event: ChangeEvent<HTMLInputElement>) => setFile(event.target.files?.[0])}
        />
      </label>
      <PassphraseField
        label="Passphrase of the backup"
        autoComplete="current-password"
        value={passphrase}
        onChange={setPassphrase}
      />
    </BackupForm>
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
