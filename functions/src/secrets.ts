import { createHash, timingSafeEqual } from "node:crypto";
import { encodeBase64url, LINK_TOKEN_PREFIX } from "@countersign/shared";

/** Where randomness comes from; tests may pass a deterministic one. */
export interface Random {
  bytes(length: number): Uint8Array;
}

export const cryptoRandom: Random = {
  bytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
};

/** SHA-256 of a secret, base64url: what the store keeps instead of the secret. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}

/** Compares two strings without leaking where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** A random id: 16 bytes, base64url. */
export function newId(random: Random): string {
  return encodeBase64url(random.bytes(16));
}

/** A link token: `cs_` + 32 base64url characters (24 random bytes, 192 bits). */
export function newLinkToken(random: Random): string {
  return LINK_TOKEN_PREFIX + encodeBase64url(random.bytes(24));
}

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/**
 * A code a person may have to type: groups of four from an alphabet without
 * look-alikes (0/O, 1/I), e.g. `K7QF-2MZD-…`. Five bits per character.
 */
export function newHumanCode(random: Random, groups = 4): string {
  const bytes = random.bytes(groups * 4);
  const chars = Array.from(bytes, (byte) => CODE_ALPHABET[byte % CODE_ALPHABET.length]);
  const parts: string[] = [];
  for (let i = 0; i < groups; i++) parts.push(chars.slice(i * 4, i * 4 + 4).join(""));
  return parts.join("-");
}

/** Normalizes a typed code: case and separators do not matter. */
export function normalizeHumanCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, "");
}
