import { useSyncExternalStore } from "react";
import { copyText } from "./toast.js";

/**
 * The recovery code the server hands out once (on pairing with the setup code,
 * or on request in Settings). Kept in memory only, until the user says it is
 * saved: it pairs a new phone when every device is lost.
 */
let current: string | null = null;
const listeners = new Set<() => void>();

export function showRecoveryCode(code: string | null): void {
  current = code;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function RecoveryCodeCard() {
  const code = useSyncExternalStore(subscribe, () => current);
  if (!code) return null;
  return (
    <section className="card recovery" aria-labelledby="recovery-title">
      <h2 id="recovery-title">Save your recovery code</h2>
      <p>
        If you lose every paired device, this code pairs a new one. Keep it somewhere safe, like a password manager. It
        is shown only now.
      </p>
      <p className="recovery-code" data-testid="recovery-code">
        {code}
      </p>
      <div className="row">
        <button type="button" className="button button-secondary" onClick={() => void copyText(code, "Recovery code")}>
          Copy recovery code
        </button>
        <button type="button" className="button" onClick={() => showRecoveryCode(null)}>
          I saved it
        </button>
      </div>
    </section>
  );
}
