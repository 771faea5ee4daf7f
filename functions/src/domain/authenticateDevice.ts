import { type P256PublicJwk, SIGNATURE_HEADERS, SIGNATURE_MAX_SKEW_MS } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import type { DeviceRecord } from "../store/Store.js";
import { verifyDeviceSignature } from "./deviceSignature.js";
import { usageIsStale } from "./usage.js";

/** What the HTTP layer hands over of a signed call. */
export interface SignedCall {
  method: string;
  /** Path and query exactly as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

const header = (call: SignedCall, name: string): string | undefined => {
  const value = call.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Checks a call's signature with `publicKey`, its timestamp against the clock
 * (±5 minutes) and that its nonce is new. The nonce is recorded only for a
 * valid signature, until it could no longer pass the freshness check.
 * Throws `unauthorized` otherwise.
 */
export async function verifySignedCall(
  deps: Pick<Deps, "store" | "clock">,
  call: SignedCall,
  publicKey: P256PublicJwk,
  nonceScope: string,
): Promise<void> {
  const timestamp = header(call, SIGNATURE_HEADERS.timestamp);
  const nonce = header(call, SIGNATURE_HEADERS.nonce);
  const signature = header(call, SIGNATURE_HEADERS.signature);
  if (!timestamp || !nonce || !signature)
    throw new AppError("unauthorized", "This call must be signed by a paired device.");
  if (!/^\d{1,16}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
    throw new AppError("unauthorized", "The signature headers are malformed.");
  }
  const now = deps.clock.now();
  const signedAt = Number(timestamp);
  if (Math.abs(now - signedAt) > SIGNATURE_MAX_SKEW_MS) {
    throw new AppError("unauthorized", "The signature is stale: check the device's clock.");
  }
  const valid = verifyDeviceSignature(
    publicKey,
    { method: call.method, path: call.path, timestamp, nonce, body: call.body },
    signature,
  );
  if (!valid) throw new AppError("unauthorized", "The signature does not match.");
  const fresh = await deps.store.rememberNonce(`${nonceScope}:${nonce}`, signedAt + SIGNATURE_MAX_SKEW_MS + 1000);
  if (!fresh) throw new AppError("unauthorized", "This signed call was already used (replay).");
}

/** Authenticates a call from a paired device and returns the device. */
export async function authenticateDevice(deps: Pick<Deps, "store" | "clock">, call: SignedCall): Promise<DeviceRecord> {
  const deviceId = header(call, SIGNATURE_HEADERS.device);
  if (!deviceId) throw new AppError("unauthorized", "This call must be signed by a paired device.");
  const device = await deps.store.getDevice(deviceId);
  if (!device) throw new AppError("unauthorized", "This device is not paired (or was removed).");
  await verifySignedCall(deps, call, device.publicKey, device.id);
  const now = deps.clock.now();
  if (!usageIsStale(device.lastSeenAt, now)) return device;
  await deps.store.updateDevice(device.id, { lastSeenAt: now });
  return { ...device, lastSeenAt: now };
}
