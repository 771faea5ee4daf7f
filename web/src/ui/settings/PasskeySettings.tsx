import type { DeviceView } from "@countersign/shared";
import { useEffect, useState } from "react";
import { clearPasskeySettings, type PasskeySettings, savePasskeySettings } from "../../passkey/passkeySettings.js";
import { refreshPasskeySettings, usePasskeySettings } from "../../passkey/usePasskeySettings.js";
import { registerPasskey, removePasskey, verifyPasskeyLocally } from "../../passkey/webauthn.js";
import { ErrorText } from "../Screen.js";
import { SelectField } from "../SelectField.js";
import { useDevice, useServices } from "../state.js";
import { showToast } from "../toast.js";
import { useBusyAction } from "../useBusyAction.js";

const LOCK_CHOICES = [
  { value: "off", label: "Off" },
  { value: "0", label: "Immediately" },
  { value: "1", label: "After 1 minute" },
  { value: "5", label: "After 5 minutes" },
  { value: "15", label: "After 15 minutes" },
] as const;

function lockValue(lock: PasskeySettings["lock"]): string {
  return lock.enabled ? String(lock.idleMinutes) : "off";
}

/** Loosening the lock (off, or a longer idle time) needs the passkey; tightening does not. */
function loosens(current: PasskeySettings["lock"], next: string): boolean {
  if (!current.enabled) return false;
  return next === "off" || Number(next) > current.idleMinutes;
}

/**
 * Settings → Passkey: "Require passkey to approve" registers a platform
 * passkey for this device; then the app lock can be set. Turning either off
 * needs the passkey.
 */
export function PasskeySection() {
  const { api } = useServices();
  const device = useDevice();
  const settings = usePasskeySettings();
  const [serverHasPasskey, setServerHasPasskey] = useState<boolean | undefined>();
  const { busy, error, run } = useBusyAction();

  useEffect(() => {
    void api.call<DeviceView>("GET", "/api/v1/devices/me").then(async (result) => {
      if (!result.ok) return;
      const required = result.data.hasPasskey === true;
      setServerHasPasskey(required);
      // The server is the authority on the requirement: forget a passkey it no longer asks for.
      if (!required && (await refreshPasskeySettings())) {
        await clearPasskeySettings();
        await refreshPasskeySettings();
      }
    });
  }, [api]);

  if (!device || settings === undefined) return null;

  const turnOn = () =>
    run(async () => {
      const passkey = await registerPasskey(api);
      await savePasskeySettings({ deviceId: device.deviceId, ...passkey, lock: { enabled: false, idleMinutes: 1 } });
      await refreshPasskeySettings();
      setServerHasPasskey(true);
      showToast("Approvals now need your passkey");
    });

  const turnOff = () =>
    run(async () => {
      await removePasskey(api);
      await clearPasskeySettings();
      await refreshPasskeySettings();
      setServerHasPasskey(false);
      showToast("Approvals no longer need a passkey");
    });

  const changeLock = (next: string) =>
    run(async () => {
      if (!settings) return;
      if (loosens(settings.lock, next)) await verifyPasskeyLocally(settings);
      const lock = next === "off" ? { ...settings.lock, enabled: false } : { enabled: true, idleMinutes: Number(next) };
      await savePasskeySettings({ ...settings, lock });
      await refreshPasskeySettings();
      showToast(lock.enabled ? "App lock is on" : "App lock is off");
    });

  const required = settings !== null || serverHasPasskey === true;
  return (
    <section className="section" aria-labelledby="passkey-title">
      <h2 id="passkey-title">Passkey</h2>
      {!required ? (
        <>
          <p>
            Ask for this device's passkey (fingerprint, face or screen-lock PIN) before it approves a CI request, so a
            phone left unlocked on a desk cannot approve a publish.
          </p>
          <button type="button" className="button" disabled={busy} onClick={() => void turnOn()}>
            Require passkey to approve
          </button>
        </>
      ) : (
        <>
          <p>
            On: approving needs this device's passkey. <strong>Approve</strong> on a notification opens the request
            here. Denying never needs it.
          </p>
          {settings ? (
            <SelectField
              label="Lock the app"
              value={lockValue(settings.lock)}
              choices={LOCK_CHOICES}
              disabled={busy}
              onChange={(value) => void changeLock(value)}
            />
          ) : (
            <p className="notice">
              This app has lost its record of the passkey. Turn the requirement off (it asks for the passkey) and set it
              up again.
            </p>
          )}
          <p className="hint">The lock hides your codes until the passkey is used, after the time you choose.</p>
          <button type="button" className="button button-secondary" disabled={busy} onClick={() => void turnOff()}>
            Turn off passkey requirement
          </button>
        </>
      )}
      <ErrorText>{error}</ErrorText>
    </section>
  );
}
