import type { AccountView } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { newId } from "../secrets.js";
import type { AccountRecord, DeviceRecord } from "../store/Store.js";
import { cancelPendingRequests } from "./cancelPendingRequests.js";

export function toAccountView(account: AccountRecord): AccountView {
  return {
    id: account.id,
    issuer: account.issuer,
    label: account.label,
    createdAt: account.createdAt,
    deviceIds: [...account.deviceIds],
  };
}

export async function getAccountOrThrow(deps: Pick<Deps, "store">, accountId: string): Promise<AccountRecord> {
  const account = await deps.store.getAccount(accountId);
  if (!account) throw new AppError("not_found", "No such account.");
  return account;
}

export async function listAccounts(deps: Pick<Deps, "store">): Promise<AccountView[]> {
  return (await deps.store.listAccounts()).map(toAccountView);
}

/**
 * Records that `device` holds an account (issuer and label, never the secret).
 * When the same issuer and label already exist, the device joins that account
 * instead of creating a twin, so a second phone with the same seed is notified
 * for the same links. Returns whether a new account was created.
 */
export async function createAccount(
  deps: Pick<Deps, "store" | "clock" | "random">,
  device: DeviceRecord,
  input: { issuer: string; label: string },
): Promise<{ account: AccountView; created: boolean }> {
  const existing = (await deps.store.listAccounts()).find(
    (account) => account.issuer === input.issuer && account.label === input.label,
  );
  if (existing) {
    if (existing.deviceIds.includes(device.id)) return { account: toAccountView(existing), created: false };
    const joined = { ...existing, deviceIds: [...existing.deviceIds, device.id] };
    await deps.store.updateAccount(existing.id, { deviceIds: joined.deviceIds });
    return { account: toAccountView(joined), created: false };
  }
  const account: AccountRecord = {
    id: newId(deps.random),
    issuer: input.issuer,
    label: input.label,
    createdAt: deps.clock.now(),
    deviceIds: [device.id],
  };
  await deps.store.createAccount(account);
  return { account: toAccountView(account), created: true };
}

export async function updateAccount(
  deps: Pick<Deps, "store">,
  accountId: string,
  patch: { issuer?: string | undefined; label?: string | undefined },
): Promise<AccountView> {
  const account = await getAccountOrThrow(deps, accountId);
  const updated = { ...account, issuer: patch.issuer ?? account.issuer, label: patch.label ?? account.label };
  await deps.store.updateAccount(accountId, { issuer: updated.issuer, label: updated.label });
  return toAccountView(updated);
}

/**
 * The calling device lets go of the account. When no device holds it any
 * more, the account is deleted, its pending requests cancelled and its links
 * revoked, so they stop working.
 */
export async function deleteAccount(
  deps: Pick<Deps, "store" | "clock" | "push" | "log">,
  device: DeviceRecord,
  accountId: string,
): Promise<{ deleted: boolean; account: AccountView }> {
  const account = await getAccountOrThrow(deps, accountId);
  const deviceIds = account.deviceIds.filter((id) => id !== device.id);
  if (deviceIds.length > 0) {
    await deps.store.updateAccount(accountId, { deviceIds });
    return { deleted: false, account: toAccountView({ ...account, deviceIds }) };
  }
  const now = deps.clock.now();
  await cancelPendingRequests(deps, { accountId }, "Cancelled: the account was deleted.");
  for (const link of await deps.store.listLinks(accountId)) {
    if (link.revokedAt === null) await deps.store.updateLink(link.id, { revokedAt: now });
  }
  await deps.store.deleteAccount(accountId);
  return { deleted: true, account: toAccountView({ ...account, deviceIds }) };
}
