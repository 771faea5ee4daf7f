import { use, useSyncExternalStore } from "react";
import { loadDevice } from "../device/device.js";
import { getServices, type Services } from "../services.js";
import type { DeviceRecord } from "../storage/db.js";
import type { AccountInfo } from "../vault/vault.js";

/** Page-wide state read from IndexedDB: the pairing and the account list (metadata only). */

function createStore<T>(load: () => Promise<T>) {
  let value: T | undefined;
  let loaded = false;
  const listeners = new Set<() => void>();
  const refresh = async () => {
    value = await load();
    loaded = true;
    for (const listener of listeners) listener();
  };
  return {
    refresh,
    subscribe(listener: () => void) {
      listeners.add(listener);
      if (!loaded) void refresh();
      return () => listeners.delete(listener);
    },
    get: () => value,
    isLoaded: () => loaded,
  };
}

const deviceStore = createStore<DeviceRecord | null>(async () => (await loadDevice((await getServices()).db)) ?? null);
const accountStore = createStore<AccountInfo[]>(async () => (await getServices()).vault.listAccounts());

/** The pairing: undefined while loading, null when not paired. */
export function useDevice(): DeviceRecord | null | undefined {
  return useSyncExternalStore(deviceStore.subscribe, deviceStore.get);
}

export const refreshDevice = deviceStore.refresh;

/** Accounts sorted by name; undefined while loading. */
export function useAccounts(): AccountInfo[] | undefined {
  return useSyncExternalStore(accountStore.subscribe, accountStore.get);
}

export const refreshAccounts = accountStore.refresh;

const servicesPromise = getServices();

/** The vault and API client (suspends until IndexedDB is open). */
export function useServices(): Services {
  return use(servicesPromise);
}
