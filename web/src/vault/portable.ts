import { formatOtpauthUri, type P256PublicJwk, type SealedTransfer } from "@countersign/shared";
import type { Db, StoredTotpAccount } from "../storage/db.js";
import { decryptBackup, encryptBackup } from "./backupFormat.js";
import { isPasskeyAccount, type PortableAccount } from "./passkeyAccount.js";
import { openSealedTransfer, sealTransfer, type TransferKeyPair } from "./transferCrypto.js";
import type { AccountInfo, Vault } from "./vault.js";

/**
 * Seeds leaving or entering this device: encrypted backup, transfer to another
 * device, export as an otpauth:// QR code. Part of the vault: only these
 * functions and vault.ts decrypt seeds, and what they hand out is ciphertext
 * (backup, transfer) or, for the explicit QR export, one account's URI.
 * Passkey accounts travel too, as their names only: they have no seed.
 */

export interface ImportSummary {
  added: AccountInfo[];
  /** Accounts already on this device (same seed or same name), left as they were. */
  skipped: { name: string; reason: string }[];
}

async function decryptSeed(db: Db, stored: StoredTotpAccount): Promise<string> {
  const key = await db.get("keys", "vault");
  if (!key) throw new Error("The vault key is missing.");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: stored.iv as BufferSource, additionalData: new TextEncoder().encode(stored.id) },
    key,
    stored.ciphertext,
  );
  return new TextDecoder().decode(plain);
}

async function readAccounts(db: Db, ids?: readonly string[]): Promise<PortableAccount[]> {
  const all = await db.getAll("accounts");
  const chosen = ids ? all.filter((a) => ids.includes(a.id)) : all;
  return Promise.all(
    chosen.map(async (stored): Promise<PortableAccount> => {
      if (stored.kind === "passkey") return { kind: "passkey", issuer: stored.issuer, label: stored.label };
      return {
        issuer: stored.issuer,
        label: stored.label,
        secret: await decryptSeed(db, stored),
        algorithm: stored.algorithm,
        digits: stored.digits,
        period: stored.period,
      };
    }),
  );
}

/**
 * Adds accounts to the vault, skipping those already present (by seed or by
 * name). A TOTP account of a passkey account's names gives it its seed.
 */
export async function importAccounts(vault: Vault, accounts: PortableAccount[]): Promise<ImportSummary> {
  const summary: ImportSummary = { added: [], skipped: [] };
  for (const account of accounts) {
    const result = isPasskeyAccount(account) ? await vault.addPasskeyAccount(account) : await vault.addAccount(account);
    if (result.ok) summary.added.push(result.account);
    else
      summary.skipped.push({
        name: account.issuer ? `${account.issuer}: ${account.label}` : account.label,
        reason: result.message,
      });
  }
  return summary;
}

/** Every account, encrypted with `passphrase`: the text of a backup file. */
export async function exportBackup(db: Db, passphrase: string): Promise<{ text: string; count: number }> {
  const accounts = await readAccounts(db);
  return { text: await encryptBackup(accounts, passphrase), count: accounts.length };
}

/**
 * Imports a backup file. The whole file is decrypted and checked before any
 * account is added, so a wrong passphrase or a damaged file changes nothing.
 */
export async function importBackup(
  vault: Vault,
  text: string,
  passphrase: string,
): Promise<{ ok: true; summary: ImportSummary } | { ok: false; message: string }> {
  const read = await decryptBackup(text, passphrase);
  if (!read.ok) return { ok: false, message: read.message };
  return { ok: true, summary: await importAccounts(vault, read.accounts) };
}

/** Encrypts the chosen accounts to another device's ephemeral transfer key. */
export async function sealAccountsForTransfer(
  db: Db,
  ids: readonly string[],
  receiver: P256PublicJwk,
  secret: string,
): Promise<SealedTransfer> {
  return sealTransfer(await readAccounts(db, ids), receiver, secret);
}

/** Decrypts a transfer from another device and adds its accounts. */
export async function receiveTransfer(
  vault: Vault,
  sealed: SealedTransfer,
  receiver: TransferKeyPair,
  secret: string,
): Promise<ImportSummary> {
  return importAccounts(vault, await openSealedTransfer(sealed, receiver, secret));
}

/** One account as a standard otpauth:// URI, for another authenticator's QR scanner; none for a passkey account. */
export async function exportOtpauthUri(db: Db, id: string): Promise<string | undefined> {
  const [account] = await readAccounts(db, [id]);
  return account && !isPasskeyAccount(account) ? formatOtpauthUri(account) : undefined;
}
