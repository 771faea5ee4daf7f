import { decodeBase64url, encodeBase64url } from "@countersign/shared";
import { fromPortablePayload, type PortableAccount, toPortablePayload } from "./passkeyAccount.js";

/**
 * The encrypted backup file: versioned JSON with the key-derivation and cipher
 * parameters in the clear and the accounts (seeds included) as AES-256-GCM
 * ciphertext under a key derived from the passphrase with PBKDF2-SHA-256
 * (passkey accounts: their names only). The
 * clear header is the ciphertext's additional data, so editing the salt, iv or
 * iteration count makes decryption fail instead of silently weakening it.
 */

export const BACKUP_FORMAT = "countersign-backup";
export const BACKUP_VERSION = 1;
/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA-256. */
export const BACKUP_ITERATIONS = 600_000;
const MIN_ITERATIONS = 100_000;
const MAX_ITERATIONS = 10_000_000;
export const MIN_PASSPHRASE_LENGTH = 8;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  kdf: { name: "PBKDF2"; hash: "SHA-256"; iterations: number; salt: string };
  cipher: { name: "AES-GCM"; iv: string };
  createdAt: string;
  count: number;
}

export interface BackupFile extends BackupHeader {
  ciphertext: string;
}

export type BackupReadResult =
  | { ok: true; accounts: PortableAccount[]; createdAt: string }
  | { ok: false; code: "format" | "passphrase"; message: string };

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(passphrase.normalize("NFC")),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

const headerBytes = (header: BackupHeader) =>
  new TextEncoder().encode(
    JSON.stringify([header.format, header.version, header.kdf, header.cipher, header.createdAt, header.count]),
  );

/** Encrypts `accounts` into the text of a backup file. */
export async function encryptBackup(
  accounts: PortableAccount[],
  passphrase: string,
  options: { iterations?: number; now?: Date } = {},
): Promise<string> {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new Error(`Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`);
  }
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    kdf: {
      name: "PBKDF2",
      hash: "SHA-256",
      iterations: options.iterations ?? BACKUP_ITERATIONS,
      salt: encodeBase64url(salt),
    },
    cipher: { name: "AES-GCM", iv: encodeBase64url(iv) },
    createdAt: (options.now ?? new Date()).toISOString(),
    count: accounts.length,
  };
  const key = await deriveKey(passphrase, salt, header.kdf.iterations);
  const plain = new TextEncoder().encode(JSON.stringify(toPortablePayload(accounts)));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: headerBytes(header) },
    key,
    plain,
  );
  const file: BackupFile = { ...header, ciphertext: encodeBase64url(new Uint8Array(ciphertext)) };
  return `${JSON.stringify(file, null, 2)}\n`;
}

function parseFile(text: string): BackupFile | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "This is not a Countersign backup file (it is not JSON).";
  }
  const file = value as Partial<BackupFile>;
  if (!file || typeof file !== "object" || file.format !== BACKUP_FORMAT) {
    return "This is not a Countersign backup file.";
  }
  if (file.version !== BACKUP_VERSION) {
    return `This backup was written by a newer Countersign (format version ${String(file.version)}). Update the app.`;
  }
  const b64 = (v: unknown) => typeof v === "string" && /^[A-Za-z0-9_-]+$/.test(v);
  const iterations = file.kdf?.iterations;
  if (
    file.kdf?.name !== "PBKDF2" ||
    file.kdf.hash !== "SHA-256" ||
    typeof iterations !== "number" ||
    !Number.isInteger(iterations) ||
    iterations < MIN_ITERATIONS ||
    iterations > MAX_ITERATIONS ||
    !b64(file.kdf.salt) ||
    file.cipher?.name !== "AES-GCM" ||
    !b64(file.cipher.iv) ||
    !b64(file.ciphertext) ||
    typeof file.createdAt !== "string" ||
    typeof file.count !== "number"
  ) {
    return "The backup file is damaged: its encryption parameters are missing or invalid.";
  }
  return file as BackupFile;
}

/**
 * Decrypts a backup file. A wrong passphrase and a modified file both fail
 * (AES-GCM authenticates header and contents); nothing is returned then.
 */
export async function decryptBackup(text: string, passphrase: string): Promise<BackupReadResult> {
  const file = parseFile(text);
  if (typeof file === "string") return { ok: false, code: "format", message: file };
  let plain: ArrayBuffer;
  try {
    const key = await deriveKey(passphrase, decodeBase64url(file.kdf.salt), file.kdf.iterations);
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: decodeBase64url(file.cipher.iv) as BufferSource, additionalData: headerBytes(file) },
      key,
      decodeBase64url(file.ciphertext) as BufferSource,
    );
  } catch {
    return {
      ok: false,
      code: "passphrase",
      message: "Wrong passphrase, or the file was modified. Nothing was imported.",
    };
  }
  try {
    const accounts = fromPortablePayload(JSON.parse(new TextDecoder().decode(plain)));
    return { ok: true, accounts, createdAt: file.createdAt };
  } catch {
    return {
      ok: false,
      code: "format",
      message: "The backup's contents are not valid accounts. Nothing was imported.",
    };
  }
}
