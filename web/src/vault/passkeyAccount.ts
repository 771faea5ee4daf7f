import { type OtpAccount, OtpauthError, validateAccount } from "@countersign/shared";

/**
 * An account whose registry asks for a passkey or security key instead of a
 * code: only its names, no seed. Approvals for it open the registry's page.
 */
export interface PasskeyAccount {
  kind: "passkey";
  /** The registry, e.g. "npm". May be empty. */
  issuer: string;
  /** The account name at the registry, e.g. "alice". */
  label: string;
}

/**
 * Checks a passkey account typed in by the user or read from a backup or a
 * transfer, with the same limits as a TOTP account's names. Throws
 * OtpauthError with a message for the user.
 */
export function validatePasskeyAccount(input: { issuer?: unknown; label?: unknown }): PasskeyAccount {
  const issuer = typeof input.issuer === "string" ? input.issuer.trim() : "";
  const label = typeof input.label === "string" ? input.label.trim() : "";
  if (!label) throw new OtpauthError("Enter the account name.");
  if (label.length > 200 || issuer.length > 200) throw new OtpauthError("The issuer or account name is too long.");
  return { kind: "passkey", issuer, label };
}

/** An account as a backup or a transfer carries it: a TOTP account with its seed, or a passkey account's names. */
export type PortableAccount = OtpAccount | PasskeyAccount;

export function isPasskeyAccount(account: PortableAccount): account is PasskeyAccount {
  return "kind" in account && account.kind === "passkey";
}

/**
 * Splits accounts for a backup or a transfer: TOTP accounts under `accounts`
 * as before, passkey accounts (names only) under `passkeyAccounts`, which an
 * older app ignores instead of refusing the whole file.
 */
export function toPortablePayload(accounts: readonly PortableAccount[]): {
  accounts: OtpAccount[];
  passkeyAccounts?: { issuer: string; label: string }[];
} {
  const totp = accounts.filter((a): a is OtpAccount => !isPasskeyAccount(a));
  const passkey = accounts.filter(isPasskeyAccount).map(({ issuer, label }) => ({ issuer, label }));
  return passkey.length > 0 ? { accounts: totp, passkeyAccounts: passkey } : { accounts: totp };
}

/** Reads what {@link toPortablePayload} wrote; throws on anything that is not valid accounts. */
export function fromPortablePayload(payload: { accounts?: unknown; passkeyAccounts?: unknown }): PortableAccount[] {
  if (!Array.isArray(payload.accounts)) throw new Error("no accounts");
  const passkey = payload.passkeyAccounts ?? [];
  if (!Array.isArray(passkey)) throw new Error("passkeyAccounts is not a list");
  return [
    ...payload.accounts.map((a) => validateAccount(a as Parameters<typeof validateAccount>[0])),
    ...passkey.map((a) => validatePasskeyAccount((a ?? {}) as { issuer?: unknown; label?: unknown })),
  ];
}
