import { settingsRecord } from "../storage/settingsRecord.js";

/**
 * Whether a notification may offer one-tap Approve for a request whose
 * context is entirely claimed by CI (nothing verified by OIDC). Off by
 * default: such a request is reviewed on the approval screen, where what is
 * only claimed is marked. Kept in its own small IndexedDB database so the
 * service worker reads it without touching the vault; it holds no secret.
 */
const preference = settingsRecord<boolean>("countersign-prefs", "prefs", "oneTapUnverified");

export async function loadOneTapUnverified(): Promise<boolean> {
  try {
    return (await preference.load()) === true;
  } catch {
    return false;
  }
}

export async function saveOneTapUnverified(allowed: boolean): Promise<void> {
  await preference.save(allowed);
}
