import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import { type CanonicalRequestParts, canonicalRequestWithHash, type P256PublicJwk } from "@countersign/shared";

/** Imported device keys by their coordinates, most recently added last; importing costs about as much as a verify. */
const imported = new Map<string, KeyObject>();
/** More devices than one relay serves; beyond it the oldest import is dropped. */
const MAX_IMPORTED = 1000;

function importDeviceKey(jwk: P256PublicJwk): KeyObject {
  const id = `${jwk.x}.${jwk.y}`;
  let key = imported.get(id);
  if (!key) {
    key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, format: "jwk" });
    if (imported.size >= MAX_IMPORTED) imported.delete(imported.keys().next().value as string);
    imported.set(id, key);
  }
  return key;
}

/**
 * The server's check of a device signature: the same as the shared
 * `verifyRequestSignature` (ECDSA P-256 with SHA-256 over the canonical
 * request, a 64-byte r‖s signature in base64url), on node:crypto and
 * synchronously, with the device's imported key kept: WebCrypto's version
 * imports the key and queues three jobs (digest, import, verify) per call.
 * False for a malformed signature or key.
 */
export function verifyDeviceSignature(jwk: P256PublicJwk, parts: CanonicalRequestParts, signature: string): boolean {
  if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
  const bytes = Buffer.from(signature, "base64url");
  if (bytes.length !== 64) return false;
  let key: KeyObject;
  try {
    key = importDeviceKey(jwk);
  } catch {
    return false;
  }
  const bodyHash = createHash("sha256").update(parts.body).digest("base64url");
  const canonical = canonicalRequestWithHash(parts, bodyHash);
  return verify("sha256", Buffer.from(canonical), { key, dsaEncoding: "ieee-p1363" }, bytes);
}
