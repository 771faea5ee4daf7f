import { type DeviceView, generateDeviceKey, type P256PublicJwk } from "@countersign/shared";
import { type ApiResult, createApiClient } from "../api/client.js";
import type { Db } from "../storage/db.js";
import { saveDevice } from "./device.js";

export interface PairInput {
  /** The one-time setup code the server printed, or an invite code from another device. */
  code: string;
  kind: "setup" | "invite";
  name: string;
}

/** Reads the device id from the pairing answer, whichever shape the server uses. */
function deviceFrom(data: unknown): DeviceView | undefined {
  if (!data || typeof data !== "object") return undefined;
  const record = data as Record<string, unknown>;
  if (typeof record.id === "string") return record as unknown as DeviceView;
  if (record.device && typeof record.device === "object") return deviceFrom(record.device);
  if (typeof record.deviceId === "string") {
    return { id: record.deviceId, name: String(record.name ?? ""), createdAt: 0, lastSeenAt: null, hasPush: false };
  }
  return undefined;
}

/**
 * Pairs this device: creates a non-extractable P-256 key, registers its public
 * half with the server (the call is signed by that key) and keeps the private
 * key as a CryptoKey in IndexedDB.
 */
export async function pairDevice(
  db: Db,
  input: PairInput,
  fetchImpl?: typeof fetch,
): Promise<ApiResult<DeviceView & { recoveryCode?: string }>> {
  const code = input.code.trim();
  const name = input.name.trim();
  if (!code) {
    return {
      ok: false,
      status: 0,
      error: "bad_request",
      message: `Enter the ${input.kind === "setup" ? "setup" : "invite"} code.`,
    };
  }
  if (!name) return { ok: false, status: 0, error: "bad_request", message: "Give this device a name." };
  const { privateKey, publicKeyJwk } = await generateDeviceKey();
  const api = createApiClient({ identity: async () => ({ privateKey }), ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  const body =
    input.kind === "setup"
      ? { setupCode: code, name, publicKey: publicKeyJwk as P256PublicJwk }
      : { inviteCode: code, name, publicKey: publicKeyJwk as P256PublicJwk };
  const result = await api.call<unknown>("POST", "/api/v1/devices", body);
  if (!result.ok) return result;
  const device = deviceFrom(result.data);
  if (!device)
    return { ok: false, status: result.status, error: "internal", message: "The server's answer had no device id." };
  await saveDevice(db, { deviceId: device.id, name: device.name || name, privateKey, pairedAt: Date.now() });
  const recoveryCode = (result.data as { recoveryCode?: unknown }).recoveryCode;
  return {
    ok: true,
    status: result.status,
    data: typeof recoveryCode === "string" ? { ...device, recoveryCode } : device,
  };
}
