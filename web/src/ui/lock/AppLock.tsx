import { type ReactNode, useLayoutEffect, useRef, useState } from "react";
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
 * Hides its children (the code list and the other screens holding secrets)
 * while the app lock is closed. Shows nothing until the lock setting is read,
 * so codes never flash before the lock screen. `bypass` lets a screen through
 * that shows no code (an approval asks for the passkey itself).
 */
export function AppLockGate({ children, bypass = false }: { children: ReactNode; bypass?: boolean }) {
  const settings = usePasskeySettings();
  const locked = useAppLocked();
  const [configured, setConfigured] = useState(false);
  const appStart = useRef(true);
  useLayoutEffect(() => {
    if (settings === undefined) return;
    configureAppLock(settings, { appStart: appStart.current });
    appStart.current = false;
    setConfigured(true);
  }, [settings]);
  if (!configured) return null;
  if (locked && settings && !bypass) {
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
