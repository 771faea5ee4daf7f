import { type OtpAccount, OtpauthError, validateAccount } from "@countersign/shared";
import { type ChangeEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { type PasskeyAccount, validatePasskeyAccount } from "../../vault/passkeyAccount.js";
import { displayName } from "../../vault/vault.js";
import { navigate } from "../router.js";
import { ErrorText, Screen } from "../Screen.js";
import { SelectField } from "../SelectField.js";
import { refreshAccounts, useDevice, useServices } from "../state.js";
import { showToast } from "../toast.js";
import { type SaveResult, saveAccount, savePasskeyAccount } from "./saveAccount.js";
import { saveText as saveScannedText } from "./saveText.js";
import "./add.css";

type Method = "scan" | "upload" | "paste" | "manual" | "passkey";

const METHODS: { id: Method; label: string }[] = [
  { id: "scan", label: "Camera" },
  { id: "upload", label: "Image" },
  { id: "paste", label: "Paste" },
  { id: "manual", label: "Manual" },
];

const ALGORITHMS = [
  { value: "SHA1", label: "SHA-1 (most sites)" },
  { value: "SHA256", label: "SHA-256" },
  { value: "SHA512", label: "SHA-512" },
];

function messageOf(error: unknown): string {
  if (error instanceof OtpauthError) return error.message;
  return "That did not work. Check the input and try again.";
}

function useSave() {
  const services = useServices();
  const device = useDevice();
  const [error, setError] = useState("");
  const save = async (account: OtpAccount | PasskeyAccount) => {
    setError("");
    const result: SaveResult =
      "kind" in account
        ? await savePasskeyAccount(services, account, !!device)
        : await saveAccount(services, account, !!device);
    if (!result.ok) {
      setError(result.message);
      return false;
    }
    await refreshAccounts();
    showToast(result.warning ?? `Added ${displayName(result.account)}`);
    navigate("/");
    return true;
  };
  /** Saves a QR code's text: one account, or a Google Authenticator export. */
  const saveText = async (text: string) => {
    setError("");
    let result: Awaited<ReturnType<typeof saveScannedText>>;
    try {
      result = await saveScannedText(services, text, !!device);
    } catch (caught) {
      setError(messageOf(caught));
      return false;
    }
    if (!result.ok) {
      setError(result.message);
      return false;
    }
    await refreshAccounts();
    showToast(result.message);
    navigate("/");
    return true;
  };
  /** Saves the account that `make` returns, or shows why it could not be made. */
  const saveMade = async (make: () => OtpAccount | PasskeyAccount) => {
    let account: OtpAccount | PasskeyAccount;
    try {
      account = make();
    } catch (caught) {
      setError(messageOf(caught));
      return false;
    }
    return save(account);
  };
  return { error, setError, saveMade, saveText };
}

/** A form of this screen: its fields, then the error (its id `errorId`) and the submit button. */
function AddForm(props: {
  onSubmit: () => Promise<unknown>;
  error: string;
  errorId: string;
  submitLabel: string;
  noValidate?: boolean;
  children: ReactNode;
}) {
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        void props.onSubmit();
      }}
      noValidate={props.noValidate}
    >
      {props.children}
      <ErrorText id={props.errorId}>{props.error}</ErrorText>
      <button type="submit" className="button">
        {props.submitLabel}
      </button>
    </form>
  );
}

function CameraScan() {
  const { error, setError, saveText } = useSave();
  const [status, setStatus] = useState("Starting the camera…");
  const viewId = useId().replace(/:/g, "");
  const handled = useRef(false);
  const saveRef = useRef(saveText);
  saveRef.current = saveText;
  const setErrorRef = useRef(setError);
  setErrorRef.current = setError;

  useEffect(() => {
    let stop: (() => Promise<void>) | undefined;
    let cancelled = false;
    void import("./scanner.js")
      .then(({ startCameraScan }) =>
        startCameraScan(`qr-view-${viewId}`, (text) => {
          if (handled.current) return;
          if (!/^\s*otpauth(-migration)?:/i.test(text)) {
            setErrorRef.current(messageOf(new OtpauthError("This QR code is not a 2FA account (otpauth://).")));
            return;
          }
          handled.current = true;
          // On success the screen changes and the cleanup below stops the camera.
          void saveRef.current(text).then((saved) => {
            if (!saved) handled.current = false;
          });
        }),
      )
      .then((stopScan) => {
        stop = stopScan;
        if (cancelled) void stopScan();
        else setStatus("Point the camera at the QR code.");
      })
      .catch((caught: unknown) => {
        const name = caught instanceof Error ? caught.name : String(caught);
        setStatus(
          /NotAllowed|Permission/i.test(name + String(caught))
            ? "Camera access was refused. Allow the camera for this site, or upload a screenshot instead."
            : "No camera is available. Upload a screenshot of the QR code instead.",
        );
      });
    return () => {
      cancelled = true;
      void stop?.();
    };
  }, [viewId]);

  return (
    <div className="scan">
      <div id={`qr-view-${viewId}`} className="scan-view" />
      <p role="status">{status}</p>
      <ErrorText>{error}</ErrorText>
    </div>
  );
}

function UploadImage() {
  const { error, setError, saveText } = useSave();
  const [busy, setBusy] = useState(false);
  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    setBusy(true);
    setError("");
    try {
      const { decodeImageFile } = await import("./scanner.js");
      let text: string;
      try {
        text = await decodeImageFile(file);
      } catch {
        setError("No QR code was found in that image. Try a sharper screenshot or crop it to the code.");
        return;
      }
      await saveText(text);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="form">
      <p>
        Choose a screenshot or photo of the registry's 2FA QR code, or of Google Authenticator's “Transfer accounts”
        export code.
      </p>
      <label className="button file-button">
        {busy ? "Reading…" : "Upload image"}
        <input type="file" accept="image/*" className="visually-hidden" onChange={onFile} disabled={busy} />
      </label>
      <ErrorText>{error}</ErrorText>
    </div>
  );
}

function PasteUri() {
  const { error, saveText } = useSave();
  const [uri, setUri] = useState("");
  const errorId = useId();
  return (
    <AddForm onSubmit={() => saveText(uri)} error={error} errorId={errorId} submitLabel="Add account">
      <label className="field">
        <span>otpauth:// link</span>
        <textarea
          name="uri"
          rows={3}
          value={uri}
          onChange={(event) => setUri(event.target.value)}
          placeholder="otpauth://totp/npm:alice?secret=…&issuer=npm"
          spellCheck={false}
          autoCapitalize="off"
          required
          aria-invalid={!!error}
          aria-describedby={error ? errorId : undefined}
        />
      </label>
    </AddForm>
  );
}

function ManualEntry() {
  const { error, saveMade } = useSave();
  const [fields, setFields] = useState({
    issuer: "",
    label: "",
    secret: "",
    algorithm: "SHA1",
    digits: "6",
    period: "30",
  });
  const errorId = useId();
  const set = (name: keyof typeof fields) => (event: ChangeEvent<HTMLInputElement>) =>
    setFields({ ...fields, [name]: event.target.value });
  const submit = () =>
    saveMade(() => {
      if (!/^\d+$/.test(fields.digits.trim())) throw new OtpauthError("Digits must be a whole number from 6 to 8.");
      if (!/^\d+$/.test(fields.period.trim())) throw new OtpauthError("The period must be a whole number of seconds.");
      return validateAccount({
        issuer: fields.issuer,
        label: fields.label,
        secret: fields.secret,
        algorithm: fields.algorithm,
        digits: Number(fields.digits),
        period: Number(fields.period),
      });
    });
  const described = error ? errorId : undefined;
  return (
    <AddForm onSubmit={submit} error={error} errorId={errorId} submitLabel="Add account" noValidate>
      <label className="field">
        <span>Issuer</span>
        <input value={fields.issuer} onChange={set("issuer")} placeholder="npm" autoCapitalize="off" />
      </label>
      <label className="field">
        <span>Account name</span>
        <input
          value={fields.label}
          onChange={set("label")}
          placeholder="alice"
          autoCapitalize="off"
          required
          aria-describedby={described}
        />
      </label>
      <label className="field">
        <span>Secret key</span>
        <input
          value={fields.secret}
          onChange={set("secret")}
          placeholder="JBSW Y3DP EHPK 3PXP"
          autoCapitalize="characters"
          autoComplete="off"
          spellCheck={false}
          required
          aria-invalid={!!error}
          aria-describedby={described}
        />
      </label>
      <details className="advanced">
        <summary>Advanced</summary>
        <SelectField
          label="Algorithm"
          value={fields.algorithm}
          choices={ALGORITHMS}
          onChange={(algorithm) => setFields({ ...fields, algorithm })}
        />
        <label className="field">
          <span>Digits</span>
          <input value={fields.digits} onChange={set("digits")} inputMode="numeric" />
        </label>
        <label className="field">
          <span>Period</span>
          <input value={fields.period} onChange={set("period")} inputMode="numeric" aria-describedby="period-unit" />
          <small id="period-unit">seconds</small>
        </label>
      </details>
    </AddForm>
  );
}

/**
 * An account whose registry asks for a passkey or security key: nothing to
 * scan, so only its names. CI links then have an account to belong to, and
 * approving opens the registry's own page.
 */
function PasskeyEntry() {
  const { error, saveMade } = useSave();
  const [issuer, setIssuer] = useState("npm");
  const [label, setLabel] = useState("");
  const errorId = useId();
  return (
    <AddForm
      onSubmit={() => saveMade(() => validatePasskeyAccount({ issuer, label }))}
      error={error}
      errorId={errorId}
      submitLabel="Add passkey account"
      noValidate
    >
      <p>
        When your 2FA at the registry is a passkey or security key, there is no QR code and no code. Add the account by
        name so CI links can ask this phone: approving then opens the registry's own page, where you use your passkey.
      </p>
      <label className="field">
        <span>Registry</span>
        <input value={issuer} onChange={(event) => setIssuer(event.target.value)} autoCapitalize="off" />
      </label>
      <label className="field">
        <span>Account name</span>
        <input
          value={label}
          onChange={(event) => setLabel(event.target.value)}
          placeholder="your username there"
          autoCapitalize="off"
          autoComplete="username"
          spellCheck={false}
          required
          aria-invalid={!!error}
          aria-describedby={error ? errorId : undefined}
        />
      </label>
    </AddForm>
  );
}

export default function AddAccount() {
  const [method, setMethod] = useState<Method>("scan");
  return (
    <Screen title="Add account">
      <fieldset className="segmented">
        <legend className="visually-hidden">How to add the account</legend>
        {METHODS.map((m) => (
          <button
            key={m.id}
            type="button"
            className="segment"
            aria-pressed={method === m.id}
            onClick={() => setMethod(m.id)}
          >
            {m.label}
          </button>
        ))}
      </fieldset>
      <button
        type="button"
        className="button button-secondary no-code-method"
        aria-pressed={method === "passkey"}
        onClick={() => setMethod("passkey")}
      >
        No code: my 2FA is a passkey or security key
      </button>
      {method === "passkey" ? (
        <PasskeyEntry />
      ) : method === "scan" ? (
        <CameraScan />
      ) : method === "upload" ? (
        <UploadImage />
      ) : method === "paste" ? (
        <PasteUri />
      ) : (
        <ManualEntry />
      )}
      <p className="hint">
        {method === "passkey"
          ? "Only the registry and the account name are kept. Your passkey stays with the registry and your authenticator."
          : "The secret stays on this device, encrypted. It is never sent to the server."}
      </p>
    </Screen>
  );
}
