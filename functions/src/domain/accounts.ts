import type { AccountView, PasskeyAssertion } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { requireActionPasskey } from "../passkey/requireActionPasskey.js";
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

/**
 * The account, when `device` holds it; `forbidden` otherwise. Everything a
 * device does with an account (its links, its history, renaming, letting go)
 * goes through here: holding an account is what lets a device act on it.
 */
export async function heldAccount(
  deps: Pick<Deps, "store">,
  device: DeviceRecord,
  accountId: string,
): Promise<AccountRecord> {
  const account = await getAccountOrThrow(deps, accountId);
  if (!account.deviceIds.includes(device.id)) {
    throw new AppError("forbidden", "This device does not hold this account.");
  }
  return account;
}

/** The accounts `device` holds (others' accounts are not listed). */
export async function listAccounts(deps: Pick<Deps, "store">, device: DeviceRecord): Promise<AccountView[]> {
  return (await deps.store.listAccounts())
    .filter((account) => account.deviceIds.includes(device.id))
    .map(toAccountView);
}

const INVITED_BY = (deviceId: string) => `invitedBy:${deviceId}`;

/** Records which device invited `deviceId`: the invitation grants it the inviter's accounts (see createAccount). */
export async function recordInviter(deps: Pick<Deps, "store">, deviceId: string, inviterId: string): Promise<void> {
  await deps.store.setSetting(INVITED_BY(deviceId), inviterId);
}

/**
 * Records that `device` holds an account (issuer and label, never the secret).
 * When an account with the same issuer and label is already held, the device
 * joins it (so a second phone with the same seed is notified for the same
 * links) only when a holder granted it: the device was invited by a device
 * that holds the account (which also sends it the seeds). Without that grant
 * it is a `conflict`: naming an account is not holding it, or any paired
 * device could take over another account's approvals, history and links. An
 * account nobody holds any more is not revived: a new one is created, and the
 * old one's links stay refused. Returns whether a new account was created.
 */
export async function createAccount(
  deps: Pick<Deps, "store" | "clock" | "random">,
  device: DeviceRecord,
  input: { issuer: string; label: string },
): Promise<{ account: AccountView; created: boolean }> {
  const twins = (await deps.store.listAccounts()).filter(
    (account) => account.issuer === input.issuer && account.label === input.label && account.deviceIds.length > 0,
  );
  const mine = twins.find((account) => account.deviceIds.includes(device.id));
  if (mine) return { account: toAccountView(mine), created: false };
  if (twins.length > 0) {
    const inviter = await deps.store.getSetting(INVITED_BY(device.id));
    const granted = inviter ? twins.find((account) => account.deviceIds.includes(inviter)) : undefined;
    if (!granted) {
      throw new AppError(
        "conflict",
        `Another device already holds ${input.issuer ? `${input.issuer}: ` : ""}${input.label}. ` +
          "To hold it on this device too, invite this device from one that holds it (Settings → Invite another device).",
      );
    }
    const joined = { ...granted, deviceIds: [...granted.deviceIds, device.id] };
    await deps.store.updateAccount(granted.id, { deviceIds: joined.deviceIds });
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

/** Renames an account the device holds; with the passkey required, the name approvers read needs the passkey. */
export async function updateAccount(
  deps: Pick<Deps, "store" | "clock" | "config">,
  device: DeviceRecord,
  accountId: string,
  patch: { issuer?: string | undefined; label?: string | undefined; assertion?: PasskeyAssertion | undefined },
): Promise<AccountView> {
  const account = await heldAccount(deps, device, accountId);
  await requireActionPasskey(deps, device, "rename_account", patch.assertion);
  const updated = { ...account, issuer: patch.issuer ?? account.issuer, label: patch.label ?? account.label };
  await deps.store.updateAccount(accountId, { issuer: updated.issuer, label: updated.label });
  return toAccountView(updated);
}

/**
 * The calling device lets go of the account (with its passkey when it
 * requires one: it is what an unlocked phone would use to hide a request from
 * its owner's other phones, or end an account). When no device holds it any
 * more, the account is deleted, its pending requests cancelled and its links
 * revoked, so they stop working.
 */
export async function deleteAccount(
  deps: Pick<Deps, "store" | "clock" | "push" | "log" | "config">,
  device: DeviceRecord,
  accountId: string,
  assertion?: PasskeyAssertion,
): Promise<{ deleted: boolean; account: AccountView }> {
  const account = await heldAccount(deps, device, accountId);
  await requireActionPasskey(deps, device, "delete_account", assertion);
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
