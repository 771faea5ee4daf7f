import { type FormEvent, useId, useState } from "react";
import { guessDeviceName } from "../../device/device.js";
import { pairDevice } from "../../device/pair.js";
import { showRecoveryCode } from "../recovery.js";
import { navigate } from "../router.js";
import { ErrorText, Screen } from "../Screen.js";
import { refreshAccounts, refreshDevice, useDevice, useServices } from "../state.js";
import { showToast } from "../toast.js";
import { startIncomingTransfer } from "../transfer/incoming.js";
import { CodeAndNameFields } from "./CodeAndNameFields.js";
import { PairOptions } from "./PairOptions.js";

/** Reads `#code=…` (setup) or `#invite=…` from the pairing link. */
function codeFromHash(hash: string): { kind: "setup" | "invite"; code: string; transfer?: string | undefined } {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const invite = params.get("invite");
  if (invite) return { kind: "invite", code: invite, transfer: params.get("transfer") ?? undefined };
  return { kind: "setup", code: params.get("code") ?? "" };
}

export default function Pair() {
  const { db } = useServices();
  const device = useDevice();
  const [initial, setInitial] = useState(() => codeFromHash(window.location.hash));
  const [code, setCode] = useState(initial.code);
  const [name, setName] = useState(() => guessDeviceName(navigator.userAgent));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  const codeLabel = initial.kind === "setup" ? "Setup code" : "Invite code";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    const result = await pairDevice(db, { code, kind: initial.kind, name });
    setBusy(false);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    if (result.data.recoveryCode) showRecoveryCode(result.data.recoveryCode);
    if (initial.transfer) startIncomingTransfer(initial.transfer);
    await Promise.all([refreshDevice(), refreshAccounts()]);
    showToast("This device is paired");
    // Drop the code from the address bar and history.
    navigate("/", { replace: true });
  };

  if (device) {
    return (
      <Screen title="Pair this device">
        <p>
          This device is paired as <strong>{device.name}</strong>. To add another phone, create an invite in Settings.
        </p>
      </Screen>
    );
  }

  return (
    <Screen title="Pair this device">
      <p className="lead">
        Pairing lets this device receive CI requests from your Countersign server and answer them. Use the setup code
        the server printed when it started, or an invite from a device already paired.
      </p>
      <form className="form" onSubmit={submit} aria-describedby={error ? errorId : undefined}>
        <CodeAndNameFields
          codeLabel={codeLabel}
          codeName="code"
          code={code}
          onCodeChange={setCode}
          codeAutoComplete="one-time-code"
          name={name}
          onNameChange={setName}
          invalid={!!error}
        />
        <ErrorText id={errorId}>{error}</ErrorText>
        <button type="submit" className="button" disabled={busy} aria-busy={busy}>
          Pair this device
        </button>
        {busy ? <p role="status">Pairing…</p> : null}
      </form>
      <p className="hint">
        A key is created on this device and never leaves it: the server only learns its public half and checks that
        every request from this device is signed with it.
      </p>
      <PairOptions
        onPairingLink={(fragment) => {
          const next = codeFromHash(fragment);
          setInitial(next);
          setCode(next.code);
        }}
      />
    </Screen>
  );
}
