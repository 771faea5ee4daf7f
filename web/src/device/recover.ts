import { generateDeviceKey, type P256PublicJwk, type RecoverResult } from "@countersign/shared";
import { type ApiResult, createApiClient } from "../api/client.js";
import type { Db } from "../storage/db.js";
import { saveDevice } from "./device.js";

/**
 * Pairs this device with the recovery code when every other device is lost:
 * like pairing, a new non-extractable key signs the call. The server answers
 * with the accounts this device now holds and a new recovery code (shown once).
 */
export async function recoverDevice(
  db: Db,
  input: { recoveryCode: string; name: string },
  fetchImpl?: typeof fetch,
): Promise<ApiResult<RecoverResult>> {
  const recoveryCode = input.recoveryCode.trim();
  const name = input.name.trim();
  if (!recoveryCode) return { ok: false, status: 0, error: "bad_request", message: "Enter the recovery code." };
  if (!name) return { ok: false, status: 0, error: "bad_request", message: "Give this device a name." };
  const { privateKey, publicKeyJwk } = await generateDeviceKey();
  const api = createApiClient({ identity: async () => ({ privateKey }), ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  const result = await api.call<RecoverResult>("POST", "/api/v1/recovery", {
    recoveryCode,
    name,
    publicKey: publicKeyJwk as P256PublicJwk,
  });
  if (!result.ok) return result;
  await saveDevice(db, {
    deviceId: result.data.device.id,
    name: result.data.device.name,
    privateKey,
    pairedAt: Date.now(),
  });
  return result;
}
