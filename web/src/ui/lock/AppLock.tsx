import { type ReactNode, useLayoutEffect, useState } from "react";
import { revealApp } from "../../firstPaint.js";
import { configureAppLock, unlockApp, useAppLocked } from "../../passkey/appLock.js";
import { usePasskeySettings } from "../../passkey/usePasskeySettings.js";
import { ErrorText } from "../Screen.js";
import { useBusyAction } from "../useBusyAction.js";
import "./style.css";

function LockScreen({ onUnlock }: { onUnlock: () => Promise<void> }) {
  const { busy, error, run } = useBusyAction();
  useLayoutEffect(revealApp, []);
  return (
    <main className="screen lock-screen" id="main">
      <h1>Countersign is locked</h1>
      <p>Use this device's passkey (fingerprint, face or PIN) to show your codes.</p>
      <button type="button" className="button" disabled={busy} onClick={() => void run(onUnlock)}>
        Unlock
      </button>
      <ErrorText>{error}</ErrorText>
    </main>
  );
}

/**
 * Whether the lock was configured yet: the first time is the app's start (configureAppLock). The gate
 * is not rendered on the screens it lets through (src/ui/App.tsx), so it mounts again when the app
 * comes back from one: that is not a new start.
 */
let configuredOnce = false;

/**
 * Hides its children (the code list and the other screens holding secrets)
 * while the app lock is closed. Shows nothing until the lock setting is read,
 * so codes never flash before the lock screen. The screens that show no code are not behind it
 * (src/paths.ts, bypassesAppLock).
 */
export function AppLockGate({ children }: { children: ReactNode }) {
  const settings = usePasskeySettings();
  const locked = useAppLocked();
  const [configured, setConfigured] = useState(false);
  useLayoutEffect(() => {
    if (settings === undefined) return;
    configureAppLock(settings, { appStart: !configuredOnce });
    configuredOnce = true;
    setConfigured(true);
  }, [settings]);
  if (!configured) return null;
  if (locked && settings) {
    return (
      <LockScreen
        onUnlock={async () => {
          const { verifyPasskeyLocally } = await import("../../passkey/webauthn.js");
          await verifyPasskeyLocally(settings);
          unlockApp();
        }}
      />
    );
  }
  return <>{children}</>;
}
