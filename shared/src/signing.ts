import { decodeBase64url, encodeBase64url } from "./base64url.js";

/**
 * Device request signing. Every call a paired device makes is signed with its
 * non-extractable P-256 key (ECDSA, SHA-256, IEEE P1363 r‖s signature as
 * WebCrypto produces it) over {@link canonicalRequest}. The server checks the
 * signature, that the timestamp is within {@link SIGNATURE_MAX_SKEW_MS} of its
 * clock, and that the nonce was not seen before.
 */
export const SIGNATURE_HEADERS = {
  /** The device id; absent on the pairing call, which is signed by the key it registers. */
  device: "x-countersign-device",
  /** Milliseconds since the Unix epoch, decimal. */
  timestamp: "x-countersign-timestamp",
  /** 16 random bytes, base64url. */
  nonce: "x-countersign-nonce",
  /** base64url of the 64-byte P1363 signature. */
  signature: "x-countersign-signature",
} as const;

export const SIGNATURE_MAX_SKEW_MS = 5 * 60 * 1000;

const ECDSA = { name: "ECDSA", hash: "SHA-256" } as const;
const P256 = { name: "ECDSA", namedCurve: "P-256" } as const;

export interface CanonicalRequestParts {
  method: string;
  /** Path and query exactly as sent, e.g. `/api/v1/approvals?status=pending`. */
  path: string;
  timestamp: string;
  nonce: string;
  /** The raw body bytes; empty for none. */
  body: Uint8Array | string;
}

/** SHA-256 of the body, base64url. */
export async function hashBody(body: Uint8Array | string): Promise<string> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return encodeBase64url(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource)));
}

/** The exact bytes a device signs: one field per line, fixed order. */
export async function canonicalRequest(parts: CanonicalRequestParts): Promise<string> {
  return canonicalRequestWithHash(parts, await hashBody(parts.body));
}

/** {@link canonicalRequest} for a body already hashed (`bodyHash` as {@link hashBody} returns it). */
export function canonicalRequestWithHash(parts: Omit<CanonicalRequestParts, "body">, bodyHash: string): string {
  return ["countersign-device-v1", parts.method.toUpperCase(), parts.path, parts.timestamp, parts.nonce, bodyHash].join(
    "\n",
  );
}

/**
 * Signs the canonical request's UTF-8 bytes with the device key and answers
 * the 64-byte P1363 signature: for keys WebCrypto does not hold.
 */
export type RequestSigner = (canonical: Uint8Array) => Promise<Uint8Array>;

/**
 * Signs a request with the device key (`privateKey`, or a `sign` function)
 * and returns the headers to send. `deviceId` is omitted when pairing.
 */
export async function signRequest(
  options: ({ privateKey: CryptoKey } | { sign: RequestSigner }) & {
    deviceId?: string;
    method: string;
    path: string;
    body?: string;
    now?: number;
  },
): Promise<Record<string, string>> {
  const timestamp = String(options.now ?? Date.now());
  const nonce = encodeBase64url(crypto.getRandomValues(new Uint8Array(16)));
  const canonical = await canonicalRequest({
    method: options.method,
    path: options.path,
    timestamp,
    nonce,
    body: options.body ?? "",
  });
  const bytes = new TextEncoder().encode(canonical);
  const signature =
    "privateKey" in options
      ? new Uint8Array(await crypto.subtle.sign(ECDSA, options.privateKey, bytes))
      : await options.sign(bytes);
  const headers: Record<string, string> = {
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: encodeBase64url(signature),
  };
  if (options.deviceId) headers[SIGNATURE_HEADERS.device] = options.deviceId;
  return headers;
}

/** Verifies a P1363 signature over the canonical request with a device's public JWK. */
export async function verifyRequestSignature(
  publicKeyJwk: JsonWebKey,
  parts: CanonicalRequestParts,
  signature: string,
): Promise<boolean> {
  let signatureBytes: Uint8Array;
  try {
    signatureBytes = decodeBase64url(signature);
  } catch {
    return false;
  }
  if (signatureBytes.length !== 64) return false;
  const key = await crypto.subtle.importKey(
    "jwk",
    { kty: publicKeyJwk.kty, crv: publicKeyJwk.crv, x: publicKeyJwk.x, y: publicKeyJwk.y },
    P256,
    false,
    ["verify"],
  );
  const canonical = await canonicalRequest(parts);
  return crypto.subtle.verify(ECDSA, key, signatureBytes as BufferSource, new TextEncoder().encode(canonical));
}

/** Creates a device key pair: the private key non-extractable, the public key as JWK. */
export async function generateDeviceKey(): Promise<{ privateKey: CryptoKey; publicKeyJwk: JsonWebKey }> {
  const pair = await crypto.subtle.generateKey(P256, false, ["sign", "verify"]);
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { privateKey: pair.privateKey, publicKeyJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } };
}
