const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Why a base32 string was refused, in words a user can act on. */
export class Base32Error extends Error {
  override name = "Base32Error";
}

/**
 * Normalizes a base32 secret as users type or paste it: spaces, dashes and
 * padding removed, letters upper-cased.
 */
export function normalizeBase32(input: string): string {
  return input.replace(/[\s-]/g, "").replace(/=+$/, "").toUpperCase();
}

/**
 * Decodes RFC 4648 base32 (case-insensitive; spaces, dashes and trailing
 * padding tolerated). Throws {@link Base32Error} naming the first bad character.
 */
export function decodeBase32(input: string): Uint8Array {
  const clean = normalizeBase32(input);
  if (clean.length === 0) throw new Base32Error("The secret key is empty.");
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of clean) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) {
      throw new Base32Error(`The secret key has "${char}", which is not a base32 character (A–Z and 2–7).`);
    }
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if (index === 0) throw new Base32Error("The secret key is too short.");
  return out;
}

/** Encodes bytes as unpadded RFC 4648 base32. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
