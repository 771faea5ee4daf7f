import type { webcrypto } from "node:crypto";
/** A P-256 public key as JWK: what the request's `publicKey` carries. */
export interface P256PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
}

export interface EphemeralKey {
  /** Non-extractable; lives only in this process. */
  privateKey: webcrypto.CryptoKey;
  publicJwk: P256PublicJwk;
}

/** A fresh ECDH P-256 key pair per invocation: the phone encrypts its answer to it. */
export async function createEphemeralKey(): Promise<EphemeralKey> {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  if (!jwk.x || !jwk.y) throw new Error("WebCrypto exported a P-256 key without coordinates");
  return { privateKey: pair.privateKey, publicJwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } };
}
