import { type DBSchema, type IDBPDatabase, openDB } from "idb";

/** An account as stored: metadata in clear, the seed only as AES-GCM ciphertext. */
export interface StoredAccount {
  id: string;
  /** The server's account id once registered there (links and approvals refer to it). */
  serverId: string | null;
  issuer: string;
  label: string;
  algorithm: "SHA1" | "SHA256" | "SHA512";
  digits: number;
  period: number;
  /** 12-byte AES-GCM nonce. */
  iv: Uint8Array;
  /** The encrypted base32 seed. */
  ciphertext: ArrayBuffer;
  /** SHA-256 of the normalized seed under the vault key (HMAC), to find duplicates without decrypting. */
  fingerprint: string;
  createdAt: number;
}

/** This device's identity with the relay server. */
export interface DeviceRecord {
  deviceId: string;
  name: string;
  privateKey: CryptoKey;
  pairedAt: number;
}

interface CountersignDb extends DBSchema {
  /** Non-extractable CryptoKeys: "vault" (AES-GCM) and "fingerprint" (HMAC). */
  keys: { key: string; value: CryptoKey };
  accounts: { key: string; value: StoredAccount; indexes: { serverId: string } };
  /** Singleton under the key "device". */
  device: { key: string; value: DeviceRecord };
}

export type Db = IDBPDatabase<CountersignDb>;

export const DB_NAME = "countersign";

let opening: Promise<Db> | undefined;

/** Opens (once per context) the IndexedDB database shared by the page and the service worker. */
export function openCountersignDb(): Promise<Db> {
  opening ??= openDB<CountersignDb>(DB_NAME, 1, {
    upgrade(db) {
      db.createObjectStore("keys");
      const accounts = db.createObjectStore("accounts", { keyPath: "id" });
      accounts.createIndex("serverId", "serverId");
      db.createObjectStore("device");
    },
  });
  return opening;
}

/** Forgets the cached connection (tests open fresh databases). */
export function resetDbConnection(): void {
  opening = undefined;
}
