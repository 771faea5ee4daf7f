import type { webcrypto } from "node:crypto";
import { compactDecrypt } from "jose";
import { isTimedCode, type TimedCode } from "./timedCode.js";

export type DecryptResult = { ok: true; codes: TimedCode[]; runUntil?: number } | { ok: false; message: string };

/** Most codes an answer holds: a run of 30 minutes at 15-second steps and one more (MAX_RUN_CODES on the server). */
const MAX_CODES = 122;

/**
 * Opens the phone's answer: a compact JWE (ECDH-ES, A256GCM) of
 * `{codes:[{otp,notBefore,notAfter}, …]}` encrypted to this run's key.
 */
export async function decryptAnswer(jwe: string, privateKey: webcrypto.CryptoKey): Promise<DecryptResult> {
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, privateKey, {
      keyManagementAlgorithms: ["ECDH-ES"],
      contentEncryptionAlgorithms: ["A256GCM"],
    }));
  } catch (error) {
    return { ok: false, message: `The encrypted answer could not be decrypted (${(error as Error).message}).` };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(plaintext));
  } catch {
    return { ok: false, message: "The decrypted answer is not JSON." };
  }
  const { codes, runUntil } = (payload ?? {}) as { codes?: unknown; runUntil?: unknown };
  if (!Array.isArray(codes) || codes.length === 0 || codes.length > MAX_CODES || !codes.every(isTimedCode)) {
    return { ok: false, message: "The decrypted answer does not hold {codes:[{otp,notBefore,notAfter}]}." };
  }
  return typeof runUntil === "number" && Number.isFinite(runUntil)
    ? { ok: true, codes, runUntil }
    : { ok: true, codes };
}
