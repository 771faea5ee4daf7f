import { type ApiClient, createApiClient } from "./api/client.js";
import { loadDevice } from "./device/device.js";
import { type Db, openCountersignDb } from "./storage/db.js";
import { createVault, type Vault } from "./vault/vault.js";

export interface Services {
  db: Db;
  vault: Vault;
  api: ApiClient;
}

let services: Promise<Services> | undefined;

/** The database, vault and signed API client, opened once per context (page or worker). */
export function getServices(): Promise<Services> {
  services ??= openCountersignDb().then((db) => ({
    db,
    vault: createVault(db),
    api: createApiClient({
      identity: async () => {
        const device = await loadDevice(db);
        return device && { privateKey: device.privateKey, deviceId: device.deviceId };
      },
    }),
  }));
  return services;
}
