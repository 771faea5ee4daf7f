import { type DBSchema, type IDBPDatabase, openDB } from "idb";

interface StoredAccountBase {
  id: string;
  /** The server's account id once registered there (links and approvals refer to it). */
  serverId: string | null;
  issuer: string;
  label: string;
  createdAt: number;
}

/**
 * A TOTP account as stored: metadata in clear, the seed only as AES-GCM
 * ciphertext. Records written before passkey accounts existed have no `kind`
 * and are TOTP accounts.
 */
export interface StoredTotpAccount extends StoredAccountBase {
  kind?: "totp";
  algorithm: "SHA1" | "SHA256" | "SHA512";
  digits: number;
  period: number;
  /** 12-byte AES-GCM nonce. */
  iv: Uint8Array;
  /** The encrypted base32 seed. */
  ciphertext: ArrayBuffer;
  /** SHA-256 of the normalized seed under the vault key (HMAC), to find duplicates without decrypting. */
  fingerprint: string;
}

/**
 * An account whose second factor is a passkey or security key at the registry:
 * no seed, no code. It exists so CI links and approvals (the registry's own
 * passkey page) have an account to belong to.
 */
export interface StoredPasskeyAccount extends StoredAccountBase {
  kind: "passkey";
}

// Both kinds share the object store: IndexedDB records need no schema, so no version upgrade.
export type StoredAccount = StoredTotpAccount | StoredPasskeyAccount;

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
