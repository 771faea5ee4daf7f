import {
  encodeBase64url,
  normalizeBase32,
  type OtpAccount,
  type TimedCode,
  type TotpParams,
} from "@countersign/shared";
import type { Db, StoredAccount, StoredPasskeyAccount, StoredTotpAccount } from "../storage/db.js";
import { loadTotp } from "./loadTotp.js";
import type { PasskeyAccount } from "./passkeyAccount.js";

/**
 * The vault: the only module that reads or writes TOTP seeds. Seeds are
 * encrypted with a non-extractable AES-GCM key kept in IndexedDB beside them;
 * callers get metadata and codes, never a seed. It also keeps passkey
 * accounts, which have no seed, so every account lives in one list.
 */

interface AccountInfoBase {
  id: string;
  serverId: string | null;
  issuer: string;
  label: string;
  createdAt: number;
}

/** A TOTP account: this phone makes its codes. */
export interface TotpAccountInfo extends AccountInfoBase {
  kind: "totp";
  algorithm: StoredTotpAccount["algorithm"];
  digits: number;
  period: number;
}

/** An account whose registry asks for a passkey or security key: no seed, no code on this phone. */
export interface PasskeyAccountInfo extends AccountInfoBase {
  kind: "passkey";
}

/** What the rest of the app may know about an account. */
export type AccountInfo = TotpAccountInfo | PasskeyAccountInfo;

export type AddAccountResult =
  | { ok: true; account: AccountInfo }
  | { ok: false; code: "duplicate"; message: string; existing: AccountInfo };

interface AddOptions {
  serverId?: string | null;
  now?: number;
}

export interface Vault {
  /**
   * Adds a TOTP account. One with the same names as a passkey account takes
   * that account's place (same id and server account, so its CI links keep
   * working) and gets its codes.
   */
  addAccount(account: OtpAccount, options?: AddOptions): Promise<AddAccountResult>;
  /** Adds an account with no seed, refusing one whose names are already here. */
  addPasskeyAccount(account: PasskeyAccount, options?: AddOptions): Promise<AddAccountResult>;
  listAccounts(): Promise<AccountInfo[]>;
  getAccount(id: string): Promise<AccountInfo | undefined>;
  findByServerId(serverId: string): Promise<AccountInfo | undefined>;
  /** The code valid at `now` and when it stops being valid; undefined for a passkey account. */
  currentCode(id: string, now?: number): Promise<{ otp: string; notAfter: number } | undefined>;
  /**
   * Codes for the step containing `now` and the `count - 1` steps after it
   * (default 2: the current and the next one), for an approval; a run
   * approval asks for every step until the end of the run (see planRun).
   * Undefined for a passkey account: it has no seed.
   */
  timedCodes(id: string, now?: number, count?: number): Promise<TimedCode[] | undefined>;
  rename(id: string, names: { issuer: string; label: string }): Promise<AccountInfo | undefined>;
  setServerId(id: string, serverId: string): Promise<void>;
  remove(id: string): Promise<void>;
}

const AES = { name: "AES-GCM", length: 256 } as const;
const HMAC = { name: "HMAC", hash: "SHA-256", length: 256 } as const;

async function getOrCreateKey(db: Db, name: string, create: () => Promise<CryptoKey>): Promise<CryptoKey> {
  const existing = await db.get("keys", name);
  if (existing) return existing;
  const fresh = await create();
  // Page and service worker may race to create the key: the first write wins, both use it.
  const tx = db.transaction("keys", "readwrite");
  const winner = await tx.store.get(name);
  if (!winner) await tx.store.add(fresh, name);
  await tx.done;
  return winner ?? fresh;
}

function toInfo(stored: StoredAccount): AccountInfo {
  const base = {
    id: stored.id,
    serverId: stored.serverId,
    issuer: stored.issuer,
    label: stored.label,
    createdAt: stored.createdAt,
  };
  if (stored.kind === "passkey") return { ...base, kind: "passkey" };
  return { ...base, kind: "totp", algorithm: stored.algorithm, digits: stored.digits, period: stored.period };
}

function isTotp(stored: StoredAccount | undefined): stored is StoredTotpAccount {
  return !!stored && stored.kind !== "passkey";
}

function sameNames(a: { issuer: string; label: string }, b: { issuer: string; label: string }): boolean {
  return a.issuer.toLowerCase() === b.issuer.toLowerCase() && a.label.toLowerCase() === b.label.toLowerCase();
}

function displayName(account: { issuer: string; label: string }): string {
  return account.issuer ? `${account.issuer}: ${account.label}` : account.label;
}

/** Opens the vault over a Countersign database. */
export function createVault(db: Db): Vault {
  const vaultKey = () =>
    getOrCreateKey(
      db,
      "vault",
      () => crypto.subtle.generateKey(AES, false, ["encrypt", "decrypt"]) as Promise<CryptoKey>,
    );
  const fingerprintKey = () =>
    getOrCreateKey(db, "fingerprint", () => crypto.subtle.generateKey(HMAC, false, ["sign"]) as Promise<CryptoKey>);

  async function fingerprint(secret: string): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await fingerprintKey(), new TextEncoder().encode(secret));
    return encodeBase64url(new Uint8Array(mac));
  }

  async function decryptParams(stored: StoredTotpAccount): Promise<TotpParams> {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: stored.iv as BufferSource, additionalData: new TextEncoder().encode(stored.id) },
      await vaultKey(),
      stored.ciphertext,
    );
    return {
      secret: new TextDecoder().decode(plain),
      algorithm: stored.algorithm,
      digits: stored.digits,
      period: stored.period,
    };
  }

  return {
    async addAccount(account, options = {}) {
      const secret = normalizeBase32(account.secret);
      const print = await fingerprint(secret);
      const all = await db.getAll("accounts");
      const sameSeed = all.find((a) => isTotp(a) && a.fingerprint === print);
      if (sameSeed) {
        return {
          ok: false,
          code: "duplicate",
          message: `This account is already in Countersign as "${displayName(sameSeed)}".`,
          existing: toInfo(sameSeed),
        };
      }
      const sameName = all.find((a) => sameNames(a, account));
      if (sameName && isTotp(sameName)) {
        return {
          ok: false,
          code: "duplicate",
          message: `"${displayName(sameName)}" already exists with another secret. Delete or rename it first.`,
          existing: toInfo(sameName),
        };
      }
      // A passkey account of the same names gets its seed: same id, server account and links.
      const id = sameName?.id ?? crypto.randomUUID();
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ciphertext = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(id) },
        await vaultKey(),
        new TextEncoder().encode(secret),
      );
      const stored: StoredTotpAccount = {
        kind: "totp",
        id,
        serverId: sameName?.serverId ?? options.serverId ?? null,
        issuer: sameName?.issuer ?? account.issuer,
        label: sameName?.label ?? account.label,
        algorithm: account.algorithm,
        digits: account.digits,
        period: account.period,
        iv,
        ciphertext,
        fingerprint: print,
        createdAt: sameName?.createdAt ?? options.now ?? Date.now(),
      };
      await db.put("accounts", stored);
      return { ok: true, account: toInfo(stored) };
    },

    async addPasskeyAccount(account, options = {}) {
      const sameName = (await db.getAll("accounts")).find((a) => sameNames(a, account));
      if (sameName) {
        return {
          ok: false,
          code: "duplicate",
          message: isTotp(sameName)
            ? `"${displayName(sameName)}" is already on this phone with its code. Its CI links work for passkey requests too.`
            : `"${displayName(sameName)}" is already on this phone.`,
          existing: toInfo(sameName),
        };
      }
      const stored: StoredPasskeyAccount = {
        kind: "passkey",
        id: crypto.randomUUID(),
        serverId: options.serverId ?? null,
        issuer: account.issuer,
        label: account.label,
        createdAt: options.now ?? Date.now(),
      };
      await db.add("accounts", stored);
      return { ok: true, account: toInfo(stored) };
    },

    async listAccounts() {
      const all = await db.getAll("accounts");
      return all.map(toInfo).sort((a, b) => displayName(a).localeCompare(displayName(b)));
    },

    async getAccount(id) {
      const stored = await db.get("accounts", id);
      return stored && toInfo(stored);
    },

    async findByServerId(serverId) {
      const stored = await db.getFromIndex("accounts", "serverId", serverId);
      return stored && toInfo(stored);
    },

    async currentCode(id, now = Date.now()) {
      const stored = await db.get("accounts", id);
      if (!isTotp(stored)) return undefined;
      const params = await decryptParams(stored);
      const periodMs = params.period * 1000;
      const { generateTotp } = await loadTotp();
      return { otp: await generateTotp(params, now), notAfter: (Math.floor(now / periodMs) + 1) * periodMs };
    },

    async timedCodes(id, now = Date.now(), count = 2) {
      const stored = await db.get("accounts", id);
      if (!isTotp(stored)) return undefined;
      const { generateTimedCodes } = await loadTotp();
      return generateTimedCodes(await decryptParams(stored), now, count);
    },

    async rename(id, names) {
      const tx = db.transaction("accounts", "readwrite");
      const stored = await tx.store.get(id);
      if (!stored) return undefined;
      const updated = { ...stored, issuer: names.issuer.trim(), label: names.label.trim() };
      await tx.store.put(updated);
      await tx.done;
      return toInfo(updated);
    },

    async setServerId(id, serverId) {
      const tx = db.transaction("accounts", "readwrite");
      const stored = await tx.store.get(id);
      if (stored) await tx.store.put({ ...stored, serverId });
      await tx.done;
    },

    async remove(id) {
      await db.delete("accounts", id);
    },
  };
}

export { displayName };
