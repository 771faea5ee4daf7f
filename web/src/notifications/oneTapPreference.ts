import { type DBSchema, openDB } from "idb";

/**
 * Whether a notification may offer one-tap Approve for a request whose
 * context is entirely claimed by CI (nothing verified by OIDC). Off by
 * default: such a request is reviewed on the approval screen, where what is
 * only claimed is marked. Kept in its own small IndexedDB database so the
 * service worker reads it without touching the vault; it holds no secret.
 */
interface PrefsDb extends DBSchema {
  prefs: { key: string; value: boolean };
}

const KEY = "oneTapUnverified";
let opening: ReturnType<typeof openDB<PrefsDb>> | undefined;

function db() {
  opening ??= openDB<PrefsDb>("countersign-prefs", 1, {
    upgrade(database) {
      database.createObjectStore("prefs");
    },
  });
  return opening;
}

export async function loadOneTapUnverified(): Promise<boolean> {
  try {
    return (await (await db()).get("prefs", KEY)) === true;
  } catch {
    return false;
  }
}

export async function saveOneTapUnverified(allowed: boolean): Promise<void> {
  await (await db()).put("prefs", allowed, KEY);
}
