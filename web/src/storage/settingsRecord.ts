import { openDB } from "idb";

/**
 * One value kept under `key` in a small IndexedDB database of its own
 * (`database`, version 1, with the one object store `store`), opened once per
 * context. For settings that the page and the service worker both read
 * without touching the vault; they must hold no secret.
 */
export function settingsRecord<T>(database: string, store: string, key: string) {
  let opening: ReturnType<typeof openDB> | undefined;
  const db = () => {
    opening ??= openDB(database, 1, {
      upgrade(created) {
        created.createObjectStore(store);
      },
    });
    return opening;
  };
  return {
    load: async (): Promise<T | undefined> => (await (await db()).get(store, key)) as T | undefined,
    save: async (value: T): Promise<void> => {
      await (await db()).put(store, value, key);
    },
    clear: async (): Promise<void> => {
      await (await db()).delete(store, key);
    },
  };
}
