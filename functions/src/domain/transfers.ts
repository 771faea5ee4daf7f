import type {
  OpenTransferBody,
  P256PublicJwk,
  SealedTransfer,
  TransferPickup,
  TransferView,
} from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import type { DeviceRecord } from "../store/Store.js";

/**
 * Relays seeds between two of the user's devices without being able to read
 * them. The receiving device opens a transfer under an id derived from a
 * secret only the two devices know (it travels in the invite QR code's
 * fragment) with an ephemeral ECDH key; the sending device fetches that key
 * and posts ciphertext; the receiver picks it up once and it is deleted. Each
 * transfer lives in the settings table under `transfer:<id>` and is swept at
 * expiry by {@link sweepTransfers}.
 */

interface StoredTransfer {
  id: string;
  toDeviceId: string;
  toDeviceName: string;
  publicKey: P256PublicJwk;
  createdAt: number;
  expiresAt: number;
  sealed: (SealedTransfer & { fromDeviceId: string; fromDeviceName: string }) | null;
}

const INDEX_SETTING = "transfers";
const MAX_OPEN_TRANSFERS = 20;
const key = (id: string) => `transfer:${id}`;

type IndexEntry = { id: string; expiresAt: number };

async function readIndex(deps: Pick<Deps, "store">): Promise<IndexEntry[]> {
  const raw = await deps.store.getSetting(INDEX_SETTING);
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as IndexEntry[]) : [];
  } catch {
    return [];
  }
}

async function read(
  deps: Pick<Deps, "store" | "clock">,
  id: string,
): Promise<{ raw: string; transfer: StoredTransfer } | null> {
  const raw = await deps.store.getSetting(key(id));
  if (!raw) return null;
  const transfer = JSON.parse(raw) as StoredTransfer;
  if (transfer.expiresAt <= deps.clock.now()) {
    await deps.store.claimSetting(key(id), raw);
    return null;
  }
  return { raw, transfer };
}

const gone = () => new AppError("not_found", "No such transfer: it expired, was already picked up, or never existed.");

/** Deletes expired transfers (and their ciphertext). Returns how many went. */
export async function sweepTransfers(deps: Pick<Deps, "store" | "clock">): Promise<number> {
  const index = await readIndex(deps);
  if (index.length === 0) return 0;
  const now = deps.clock.now();
  let removed = 0;
  const keep: IndexEntry[] = [];
  for (const entry of index) {
    if (entry.expiresAt > now) {
      if (await deps.store.getSetting(key(entry.id))) keep.push(entry);
      continue;
    }
    const raw = await deps.store.getSetting(key(entry.id));
    if (raw && (await deps.store.claimSetting(key(entry.id), raw))) removed++;
  }
  if (keep.length !== index.length) await deps.store.setSetting(INDEX_SETTING, JSON.stringify(keep));
  return removed;
}

/**
 * Cancels the transfers a removed device takes part in: those it was to
 * receive, and those it sealed that are not picked up yet.
 */
export async function cancelTransfersOf(deps: Pick<Deps, "store" | "clock">, deviceId: string): Promise<number> {
  let cancelled = 0;
  for (const entry of await readIndex(deps)) {
    const raw = await deps.store.getSetting(key(entry.id));
    if (!raw) continue;
    const transfer = JSON.parse(raw) as StoredTransfer;
    const involved = transfer.toDeviceId === deviceId || transfer.sealed?.fromDeviceId === deviceId;
    if (involved && (await deps.store.claimSetting(key(entry.id), raw))) cancelled++;
  }
  await sweepTransfers(deps);
  return cancelled;
}

/** The new device opens a transfer: its ephemeral public key waits for the sender. */
export async function openTransfer(
  deps: Pick<Deps, "store" | "clock" | "config">,
  device: DeviceRecord,
  body: OpenTransferBody,
): Promise<{ transferId: string; expiresAt: number }> {
  await sweepTransfers(deps);
  if (await deps.store.getSetting(key(body.transferId))) {
    throw new AppError("conflict", "This transfer is already open.");
  }
  const index = await readIndex(deps);
  if (index.length >= MAX_OPEN_TRANSFERS) {
    throw new AppError("rate_limited", "Too many transfers are open. Wait a few minutes.", { retryAfterSeconds: 60 });
  }
  const now = deps.clock.now();
  const transfer: StoredTransfer = {
    id: body.transferId,
    toDeviceId: device.id,
    toDeviceName: device.name,
    publicKey: { kty: "EC", crv: "P-256", x: body.publicKey.x, y: body.publicKey.y },
    createdAt: now,
    expiresAt: now + deps.config.inviteTtlSeconds * 1000,
    sealed: null,
  };
  await deps.store.setSetting(key(transfer.id), JSON.stringify(transfer));
  await deps.store.setSetting(
    INDEX_SETTING,
    JSON.stringify([...index, { id: transfer.id, expiresAt: transfer.expiresAt }]),
  );
  return { transferId: transfer.id, expiresAt: transfer.expiresAt };
}

/** The transfer `transferId` as the sending `device` may use it: gone when it is not there, forbidden to the receiver itself. */
async function toSend(deps: Pick<Deps, "store" | "clock">, device: DeviceRecord, transferId: string) {
  const found = await read(deps, transferId);
  if (!found) throw gone();
  if (found.transfer.toDeviceId === device.id) throw new AppError("forbidden", "A device cannot send to itself.");
  return found.transfer;
}

/** What the sending device is told of a transfer. */
function viewOf(transfer: StoredTransfer): TransferView {
  return {
    transferId: transfer.id,
    to: { id: transfer.toDeviceId, name: transfer.toDeviceName },
    publicKey: transfer.publicKey,
    sealed: transfer.sealed !== null,
    expiresAt: transfer.expiresAt,
  };
}

/** The sending device looks up who is waiting and which key to encrypt to. */
export async function getTransfer(
  deps: Pick<Deps, "store" | "clock">,
  device: DeviceRecord,
  transferId: string,
): Promise<TransferView> {
  const transfer = await toSend(deps, device, transferId);
  if (!(await deps.store.getDevice(transfer.toDeviceId))) throw gone();
  return viewOf(transfer);
}

/** The sending device posts the ciphertext, once. */
export async function sealTransfer(
  deps: Pick<Deps, "store" | "clock" | "log">,
  device: DeviceRecord,
  transferId: string,
  sealed: SealedTransfer,
): Promise<TransferView> {
  const transfer = await toSend(deps, device, transferId);
  if (transfer.sealed) throw new AppError("conflict", "The accounts were already sent for this transfer.");
  if (!(await deps.store.getDevice(transfer.toDeviceId))) throw gone();
  const updated: StoredTransfer = {
    ...transfer,
    sealed: { ...sealed, fromDeviceId: device.id, fromDeviceName: device.name },
  };
  await deps.store.setSetting(key(transferId), JSON.stringify(updated));
  deps.log.info("transfer sealed", { from: device.id, to: transfer.toDeviceId });
  return viewOf(updated);
}

/** The receiving device collects the ciphertext; the server deletes it as it hands it out. */
export async function pickUpTransfer(
  deps: Pick<Deps, "store" | "clock" | "log">,
  device: DeviceRecord,
  transferId: string,
): Promise<TransferPickup> {
  const found = await read(deps, transferId);
  if (!found) throw gone();
  const { raw, transfer } = found;
  if (transfer.toDeviceId !== device.id) throw new AppError("forbidden", "This transfer is for another device.");
  if (!transfer.sealed) return { status: "waiting", expiresAt: transfer.expiresAt };
  // Seeds sealed by a device removed since are not handed out.
  if (!(await deps.store.getDevice(transfer.sealed.fromDeviceId))) throw gone();
  if (!(await deps.store.claimSetting(key(transferId), raw))) throw gone();
  const { fromDeviceId, fromDeviceName, ...sealed } = transfer.sealed;
  deps.log.info("transfer picked up", { to: device.id });
  return { status: "ready", sealed, from: { id: fromDeviceId, name: fromDeviceName } };
}
