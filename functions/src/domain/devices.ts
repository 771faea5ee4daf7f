import type {
  DeviceView,
  InviteView,
  OpenInviteView,
  PairBody,
  PairResult,
  PushSubscriptionBody,
} from "@countersign/shared";
import { ConfigError } from "../config.js";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { dropChallenges } from "../passkey/passkeyChallenges.js";
import { validatePushEndpoint } from "../push/validatePushEndpoint.js";
import { constantTimeEqual, hashSecret, newHumanCode, newId, normalizeHumanCode } from "../secrets.js";
import type { DeviceRecord, InviteRecord } from "../store/Store.js";
import { recordInviter } from "./accounts.js";
import { type SignedCall, verifySignedCall } from "./authenticateDevice.js";
import { cancelPendingRequests } from "./cancelPendingRequests.js";
import { issueRecoveryCode } from "./recoveryCode.js";
import { recordSecurityEvent } from "./securityEvents.js";
import { cancelTransfersOf } from "./transfers.js";

export function toDeviceView(device: DeviceRecord, currentId?: string): DeviceView {
  return {
    id: device.id,
    name: device.name,
    createdAt: device.createdAt,
    lastSeenAt: device.lastSeenAt,
    hasPush: device.push !== null,
    hasPasskey: !!device.passkey,
    ...(currentId ? { current: device.id === currentId } : {}),
  };
}

/** The setup code's hash; the code itself is never stored (it is printed once per start). */
const SETUP_CODE_SETTING = "setupCodeHash";
/** Where servers before issue 18 kept the setup code in the clear; removed on start. */
const LEGACY_SETUP_CODE_SETTING = "setupCode";
/** A generated setup code: four groups of four from a 32-letter alphabet, 80 bits. */
export const SETUP_CODE_BITS = 80;

/**
 * Why a preset setup code (COUNTERSIGN_SETUP_CODE) is weaker than a generated
 * one, or null when it is not: its letters and digits (separators and case
 * aside), counted at the bits per character of the smallest alphabet they
 * come from (digits 3.3, hexadecimal 4, letters and digits 5), must reach
 * {@link SETUP_CODE_BITS}.
 */
export function setupCodeWeakness(code: string): string | null {
  const chars = normalizeHumanCode(code);
  const perChar = /^\d*$/.test(chars) ? Math.log2(10) : /^[0-9A-F]*$/.test(chars) ? 4 : 5;
  const bits = Math.floor(chars.length * perChar);
  if (bits >= SETUP_CODE_BITS && new Set(chars).size >= 6) return null;
  return (
    `COUNTERSIGN_SETUP_CODE is too weak (about ${bits} bits): use at least ${SETUP_CODE_BITS} random bits, ` +
    "e.g. 16 random letters and digits (K7QF-2MZD-9XWB-4HNT) or 20 hexadecimal digits, or leave it unset for a generated one."
  );
}

/**
 * The one-time setup code that pairs the first device, while no device is
 * paired: `preset` (COUNTERSIGN_SETUP_CODE, which must be as strong as a
 * generated code: ConfigError otherwise), else a new random one, which
 * replaces any code of a previous start. Only its hash is stored. Null once a
 * device is paired.
 */
export async function ensureSetupCode(deps: Pick<Deps, "store" | "random">, preset?: string): Promise<string | null> {
  const legacy = await deps.store.getSetting(LEGACY_SETUP_CODE_SETTING);
  if (legacy !== null) await deps.store.claimSetting(LEGACY_SETUP_CODE_SETTING, legacy);
  if ((await deps.store.listDevices()).length > 0) return null;
  const wanted = preset?.trim() || newHumanCode(deps.random);
  const weakness = setupCodeWeakness(wanted);
  if (weakness) throw new ConfigError(weakness);
  const hash = hashSecret(normalizeHumanCode(wanted));
  if ((await deps.store.getSetting(SETUP_CODE_SETTING)) !== hash) await deps.store.setSetting(SETUP_CODE_SETTING, hash);
  return wanted;
}

/** The pairing link for a setup or invite code; the code sits in the fragment, which never reaches a server. */
export function pairingUrl(publicUrl: string, code: { setupCode: string } | { inviteCode: string }): string {
  return "setupCode" in code
    ? `${publicUrl}/pair#code=${encodeURIComponent(code.setupCode)}`
    : `${publicUrl}/pair#invite=${encodeURIComponent(code.inviteCode)}`;
}

/**
 * Pairs a device. The call is signed by the key it registers (proof of
 * possession) and carries either the setup code, consumed by the first
 * pairing, or an invite code from a paired device, single use. The first
 * device also gets the recovery code, once.
 */
/** Stores a newly paired device (only the public half of its key), seen now. */
export async function createDeviceRecord(
  deps: Pick<Deps, "store" | "clock" | "random">,
  body: { name: string; publicKey: { x: string; y: string } },
): Promise<DeviceRecord> {
  const now = deps.clock.now();
  const device: DeviceRecord = {
    id: newId(deps.random),
    name: body.name,
    publicKey: { kty: "EC", crv: "P-256", x: body.publicKey.x, y: body.publicKey.y },
    createdAt: now,
    lastSeenAt: now,
    push: null,
  };
  await deps.store.createDevice(device);
  return device;
}

export async function pairDevice(deps: Deps, call: SignedCall, body: PairBody): Promise<PairResult> {
  await verifySignedCall(deps, call, body.publicKey, `pair:${body.publicKey.x}`);
  let invite: InviteRecord | null = null;
  if ("setupCode" in body) {
    const saved = await deps.store.getSetting(SETUP_CODE_SETTING);
    const matches = saved !== null && constantTimeEqual(saved, hashSecret(normalizeHumanCode(body.setupCode)));
    if (!matches || !(saved && (await deps.store.claimSetting(SETUP_CODE_SETTING, saved)))) {
      throw new AppError(
        "unauthorized",
        "The setup code is wrong or was already used. Add devices by invite from a paired one.",
      );
    }
  }
  let inviter: DeviceRecord | null = null;
  if ("inviteCode" in body) {
    invite = await deps.store.claimInvite(hashSecret(normalizeHumanCode(body.inviteCode)), deps.clock.now());
    // An invite lasts only as long as the device that made it: removing that device cancels it
    // (removeDevice), and this check closes the window of an invite created while it was removed.
    inviter = invite ? await deps.store.getDevice(invite.createdBy) : null;
    if (!inviter) throw new AppError("unauthorized", "The invite code is wrong, expired or already used.");
  }
  const others = (await deps.store.listDevices()).map((other) => other.id);
  const device = await createDeviceRecord(deps, body);
  // Holding accounts is granted by a holder: the device that invited this one (accounts.ts).
  if (invite) await recordInviter(deps, device.id, invite.createdBy);
  deps.log.info("device paired", { deviceId: device.id, by: inviter ? "invite" : "setup code" });
  await recordSecurityEvent(
    deps,
    {
      kind: "device_paired",
      message: inviter
        ? `“${device.name}” was paired by an invite from “${inviter.name}”.`
        : `“${device.name}” was paired with the setup code.`,
      device: { id: device.id, name: device.name },
    },
    // Every device already paired hears of a new one, as after a recovery: it can answer from now on.
    { deviceIds: others, title: "A new device was paired" },
  );
  if ("setupCode" in body) {
    const { recoveryCode } = await issueRecoveryCode(deps);
    return { ...toDeviceView(device, device.id), recoveryCode };
  }
  return toDeviceView(device, device.id);
}

/** A short-lived, single-use code another device pairs with. */
export async function createInvite(deps: Deps, device: DeviceRecord): Promise<InviteView> {
  const inviteCode = newHumanCode(deps.random);
  const now = deps.clock.now();
  const expiresAt = now + deps.config.inviteTtlSeconds * 1000;
  await deps.store.createInvite({
    codeHash: hashSecret(normalizeHumanCode(inviteCode)),
    createdBy: device.id,
    createdAt: now,
    expiresAt,
  });
  const codeHash = hashSecret(normalizeHumanCode(inviteCode));
  return { id: inviteId(codeHash), inviteCode, url: pairingUrl(deps.config.publicUrl, { inviteCode }), expiresAt };
}

/** An invite's public id: a hash of its code's hash, so listing invites reveals nothing that pairs. */
function inviteId(codeHash: string): string {
  return hashSecret(`invite-id:${codeHash}`).slice(0, 22);
}

/** Invites not used yet and not expired, oldest first, with the device that made each. */
export async function listInvites(deps: Pick<Deps, "store" | "clock">): Promise<OpenInviteView[]> {
  const [invites, devices] = await Promise.all([deps.store.listInvites(deps.clock.now()), deps.store.listDevices()]);
  return invites.map((invite) => ({
    id: inviteId(invite.codeHash),
    createdBy: {
      id: invite.createdBy,
      name: devices.find((device) => device.id === invite.createdBy)?.name ?? "(removed device)",
    },
    createdAt: invite.createdAt,
    expiresAt: invite.expiresAt,
  }));
}

/** Revokes an open invite: its code no longer pairs anything. */
export async function revokeInvite(deps: Deps, by: DeviceRecord, id: string): Promise<void> {
  const invite = (await deps.store.listInvites(deps.clock.now())).find((open) => inviteId(open.codeHash) === id);
  if (!invite || !(await deps.store.deleteInvite(invite.codeHash))) {
    throw new AppError("not_found", "No such invite: it was used, revoked or expired.");
  }
  await recordSecurityEvent(deps, {
    kind: "invite_revoked",
    message: `An invite was revoked on “${by.name}”.`,
    device: { id: by.id, name: by.name },
  });
}

/** Deletes the open invites a device created; returns them. */
async function cancelInvitesOf(deps: Pick<Deps, "store" | "clock">, deviceId: string): Promise<InviteRecord[]> {
  const mine = (await deps.store.listInvites(deps.clock.now())).filter((invite) => invite.createdBy === deviceId);
  for (const invite of mine) await deps.store.deleteInvite(invite.codeHash);
  return mine;
}

export async function listDevices(deps: Pick<Deps, "store">, current: DeviceRecord): Promise<DeviceView[]> {
  return (await deps.store.listDevices()).map((device) => toDeviceView(device, current.id));
}

export async function renameDevice(deps: Pick<Deps, "store">, device: DeviceRecord, name: string): Promise<DeviceView> {
  await deps.store.updateDevice(device.id, { name });
  return toDeviceView({ ...device, name }, device.id);
}

/**
 * Unpairs a device (itself or another): its signature no longer opens
 * anything, and what it started ends with it — its open invites, the seed
 * transfers it was to receive or had sealed, its passkey challenges. The
 * accounts it alone held keep their links, which now refuse CI (`forbidden`:
 * nobody could be asked), and their pending requests are cancelled.
 */
export async function removeDevice(
  deps: Pick<Deps, "store" | "log" | "clock" | "random" | "push">,
  by: DeviceRecord,
  deviceId: string,
): Promise<void> {
  const target = await deps.store.getDevice(deviceId);
  if (!target) throw new AppError("not_found", "No such device.");
  const orphaned = (await deps.store.listAccounts()).filter(
    (account) => account.deviceIds.length === 1 && account.deviceIds[0] === deviceId,
  );
  await deps.store.deleteDevice(deviceId);
  const invites = await cancelInvitesOf(deps, deviceId);
  const transfers = await cancelTransfersOf(deps, deviceId);
  await dropChallenges(deps.store, deviceId);
  for (const account of orphaned) {
    await cancelPendingRequests(deps, { accountId: account.id }, "Cancelled: no device holds the account any more.");
  }
  deps.log.info("device removed", {
    deviceId,
    by: by.id,
    invitesCancelled: invites.length,
    transfersCancelled: transfers,
  });
  await recordSecurityEvent(deps, {
    kind: "device_removed",
    message: `“${target.name}” was removed by ${by.id === deviceId ? "itself" : `“${by.name}”`}; it can no longer answer.`,
    device: { id: target.id, name: target.name },
  });
}

export async function setPushSubscription(
  deps: Pick<Deps, "store" | "config">,
  device: DeviceRecord,
  subscription: PushSubscriptionBody,
): Promise<DeviceView> {
  const problem = validatePushEndpoint(subscription.endpoint, deps.config.pushAllow);
  if (problem) throw new AppError("bad_request", problem);
  await deps.store.updateDevice(device.id, { push: subscription });
  return toDeviceView({ ...device, push: subscription }, device.id);
}

export async function removePushSubscription(deps: Pick<Deps, "store">, device: DeviceRecord): Promise<DeviceView> {
  await deps.store.updateDevice(device.id, { push: null });
  return toDeviceView({ ...device, push: null }, device.id);
}
