import { type FormEvent, useEffect, useState } from "react";
import { saveDevice } from "../../device/device.js";
import { loadOneTapUnverified, saveOneTapUnverified } from "../../notifications/oneTapPreference.js";
import {
  currentSubscription,
  disableNotifications,
  enableNotifications,
  type PushSupport,
  pushSupport,
} from "../../notifications/push.js";
import { callWithPasskey } from "../../passkey/passkeyGuard.js";
import { checkForUpdate } from "../../sw-bridge/index.js";
import { ConfirmDialog, useConfirm } from "../ConfirmDialog.js";
import { Link } from "../Link.js";
import { RecoveryCodeCard, showRecoveryCode } from "../recovery.js";
import { ErrorText, Screen } from "../Screen.js";
import { refreshDevice, useDevice, useServices } from "../state.js";
import { showToast } from "../toast.js";
import { Backup } from "./Backup.js";
import { Devices } from "./Devices.js";
import { InviteDevice } from "./InviteDevice.js";
import { PasskeySection } from "./PasskeySettings.js";

const SUPPORT_TEXT: Record<Exclude<PushSupport, "available">, string> = {
  "ios-needs-home-screen":
    "On iPhone and iPad, notifications work only in the installed app: tap Share, then “Add to Home Screen”, and open Countersign from there. Until then, open the app to see waiting requests.",
  denied:
    "Notifications are blocked for this site. Allow them in the browser's site settings (the icon left of the address), then come back here.",
  unsupported:
    "This browser cannot receive push notifications. Open the app to see waiting requests, or use a browser that supports Web Push.",
};

function Notifications() {
  const { api } = useServices();
  const [support, setSupport] = useState<PushSupport>(() => pushSupport());
  const [enabled, setEnabled] = useState<boolean | undefined>();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void currentSubscription().then((subscription) =>
      setEnabled(!!subscription && Notification.permission === "granted"),
    );
  }, []);
  const turnOn = async () => {
    setBusy(true);
    setError("");
    const result = await enableNotifications(api);
    setBusy(false);
    setSupport(pushSupport());
    if (!result.ok) return setError(result.message);
    setEnabled(true);
    showToast("Notifications are on");
  };
  const turnOff = async () => {
    setBusy(true);
    const result = await disableNotifications(api);
    setBusy(false);
    if (!result.ok) return setError(result.message);
    setEnabled(false);
    showToast("Notifications are off");
  };
  return (
    <section className="section" aria-labelledby="notifications-title">
      <h2 id="notifications-title">Notifications</h2>
      {support !== "available" ? (
        <p className="notice">{SUPPORT_TEXT[support]}</p>
      ) : enabled ? (
        <>
          <p>On: CI requests appear as notifications with Approve and Deny.</p>
          <button type="button" className="button button-secondary" disabled={busy} onClick={() => void turnOff()}>
            Turn off notifications
          </button>
        </>
      ) : (
        <>
          <p>Get a notification when CI asks for a code, and approve it from there.</p>
          <button type="button" className="button" disabled={busy} onClick={() => void turnOn()}>
            Turn on notifications
          </button>
        </>
      )}
      <OneTapUnverified />
      <ErrorText>{error}</ErrorText>
    </section>
  );
}

/** Whether notifications of requests with nothing verified (only CI's claims) offer one-tap Approve. */
function OneTapUnverified() {
  const [allowed, setAllowed] = useState<boolean | undefined>();
  useEffect(() => {
    void loadOneTapUnverified().then(setAllowed);
  }, []);
  if (allowed === undefined) return null;
  const change = async (next: boolean) => {
    setAllowed(next);
    await saveOneTapUnverified(next);
  };
  return (
    <label className="choice">
      <input type="checkbox" checked={allowed} onChange={(event) => void change(event.target.checked)} />
      <span>
        One-tap Approve also when nothing is verified. Off: a request whose repository, workflow and package are only
        claimed by CI (no OIDC token) opens the approval screen to be checked first.
      </span>
    </label>
  );
}

function DeviceName() {
  const { api, db } = useServices();
  const device = useDevice();
  const [name, setName] = useState(device?.name ?? "");
  const [error, setError] = useState("");
  if (!device) return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError("");
    const result = await api.call("PATCH", "/api/v1/devices/me", { name: name.trim() });
    if (!result.ok) return setError(result.message);
    await saveDevice(db, { ...device, name: name.trim() });
    await refreshDevice();
    showToast("Device name saved");
  };
  return (
    <form className="form" onSubmit={submit}>
      <label className="field">
        <span>Device name</span>
        <input value={name} onChange={(event) => setName(event.target.value)} maxLength={60} required />
      </label>
      <ErrorText>{error}</ErrorText>
      <button type="submit" className="button button-secondary">
        Save name
      </button>
    </form>
  );
}

function NewRecoveryCode() {
  const { api } = useServices();
  const { confirming, error, open, close, confirmWith } = useConfirm();
  const create = confirmWith(
    () => callWithPasskey<{ recoveryCode: string }>(api, "recovery_code", "POST", "/api/v1/recovery/code"),
    (data) => showRecoveryCode(data.recoveryCode),
  );
  return (
    <div className="form">
      <RecoveryCodeCard />
      <button type="button" className="button button-secondary" onClick={open}>
        New recovery code
      </button>
      {confirming ? (
        <ConfirmDialog
          title="Replace the recovery code?"
          confirmLabel="Replace recovery code"
          destructive
          onConfirm={create}
          onCancel={close}
          error={error}
        >
          <p>The current recovery code stops working.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

export default function Settings() {
  const device = useDevice();
  const [checking, setChecking] = useState(false);
  return (
    <Screen title="Settings">
      {device ? <Notifications /> : null}
      {device ? <PasskeySection /> : null}
      <section className="section" aria-labelledby="device-title">
        <h2 id="device-title">This device</h2>
        {device ? (
          <>
            <DeviceName key={device.name} />
            <InviteDevice />
            <NewRecoveryCode />
          </>
        ) : (
          <p>
            Not paired. <Link to="/pair">Pair this device</Link> to approve CI requests.
          </p>
        )}
      </section>
      {device ? <Devices /> : null}
      <Backup />
      <section className="section" aria-labelledby="about-title">
        <h2 id="about-title">About</h2>
        <p>
          Countersign version <span data-testid="app-version">{__APP_VERSION__}</span>
        </p>
        <button
          type="button"
          className="button button-secondary"
          disabled={checking}
          onClick={() => {
            setChecking(true);
            void checkForUpdate().finally(() => {
              setChecking(false);
              showToast("Checked for updates");
            });
          }}
        >
          Check for updates
        </button>
      </section>
    </Screen>
  );
}
