import type { AccountView, OtpAccount } from "@countersign/shared";
import type { Services } from "../../services.js";
import type { PasskeyAccount } from "../../vault/passkeyAccount.js";
import type { AccountInfo, AddAccountResult } from "../../vault/vault.js";

export type SaveResult =
  | { ok: true; account: AccountInfo; warning?: string }
  | { ok: false; message: string; existing?: AccountInfo };

function accountIdFrom(data: unknown): string | undefined {
  if (!data || typeof data !== "object") return undefined;
  const record = data as Partial<AccountView> & { account?: Partial<AccountView> };
  return record.id ?? record.account?.id;
}

/** Registers the account's name (never its secret) with the server so CI links can point at it. */
export async function registerWithServer(services: Services, account: AccountInfo): Promise<string | undefined> {
  const created = await services.api.call<unknown>("POST", "/api/v1/accounts", {
    issuer: account.issuer,
    label: account.label,
  });
  if (!created.ok) return `Saved on this device only: ${created.message}`;
  const serverId = accountIdFrom(created.data);
  if (!serverId) return "Saved on this device only: the server's answer had no account id.";
  await services.vault.setServerId(account.id, serverId);
  return undefined;
}

async function registerAdded(services: Services, added: AddAccountResult, paired: boolean): Promise<SaveResult> {
  if (!added.ok) return { ok: false, message: added.message, existing: added.existing };
  // Already on the server: a passkey account that just got its seed keeps its server account and links.
  if (!paired || added.account.serverId) return { ok: true, account: added.account };
  const warning = await registerWithServer(services, added.account);
  return warning ? { ok: true, account: added.account, warning } : { ok: true, account: added.account };
}

/** Stores the account in the vault (refusing duplicates), then registers it with the server when paired. */
export async function saveAccount(services: Services, account: OtpAccount, paired: boolean): Promise<SaveResult> {
  return registerAdded(services, await services.vault.addAccount(account), paired);
}

/**
 * Stores an account whose 2FA is a passkey or security key (names only, no
 * seed), then registers it with the server when paired, as for a TOTP account.
 */
export async function savePasskeyAccount(
  services: Services,
  account: PasskeyAccount,
  paired: boolean,
): Promise<SaveResult> {
  return registerAdded(services, await services.vault.addPasskeyAccount(account), paired);
}
