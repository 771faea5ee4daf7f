import { concatBytes, encodeBase64url, uint32BigEndian } from "@countersign/shared";

/**
 * Compact JWE (RFC 7516) with "alg": "ECDH-ES" and "enc": "A256GCM" (RFC 7518
 * §4.6 and §5.3), made with WebCrypto alone: the one JWE this app writes, to
 * the P-256 key CI sent with its request. jose did this before at 7 KB of the
 * approval screen's download (brotli); the CLI still decrypts with jose, and
 * the tests decrypt what this writes with it.
 */

const P256 = { name: "ECDH", namedCurve: "P-256" } as const;
const ENC = "A256GCM";

const utf8 = (text: string) => new TextEncoder().encode(text);

/** A length-prefixed field of the Concat KDF's OtherInfo (a 32-bit big-endian length, then the bytes). */
const field = (bytes: Uint8Array) => concatBytes(uint32BigEndian(bytes.length), bytes);

/**
 * The content encryption key from the shared secret `z`: the Concat KDF of
 * NIST SP 800-56A §5.8.1 as RFC 7518 §4.6.2 profiles it, for direct key
 * agreement (AlgorithmID is "enc"; PartyUInfo and PartyVInfo empty, as no
 * "apu" or "apv" is sent; SuppPubInfo the key's length in bits). A 256-bit key
 * is one round of SHA-256 over the counter 1, `z` and OtherInfo.
 */
async function contentKey(z: Uint8Array): Promise<CryptoKey> {
  const otherInfo = concatBytes(
    field(utf8(ENC)),
    field(new Uint8Array(0)),
    field(new Uint8Array(0)),
    uint32BigEndian(256),
  );
  const key = await crypto.subtle.digest("SHA-256", concatBytes(uint32BigEndian(1), z, otherInfo));
  return crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
}

/** CI's public key, as a JWK of an EC P-256 key. */
export interface EcPublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
}

/**
 * Encrypts `plaintext` to `recipient`: a fresh ephemeral key agrees a secret
 * with it, the protected header carries that key's public half ("epk"), and
 * AES-256-GCM seals the plaintext with the encoded header as its additional
 * data. The encrypted key part is empty (direct key agreement). A key that is
 * not a point on P-256 is refused by WebCrypto's import.
 */
export async function encryptJwe(recipient: EcPublicJwk, plaintext: Uint8Array): Promise<string> {
  if (recipient.kty !== "EC" || recipient.crv !== "P-256") {
    throw new Error(`CI's key must be an EC P-256 key, not ${recipient.kty} ${recipient.crv}.`);
  }
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "EC", crv: "P-256", x: recipient.x, y: recipient.y, ext: true },
    P256,
    false,
    [],
  );
  const ephemeral = (await crypto.subtle.generateKey(P256, true, ["deriveBits"])) as CryptoKeyPair;
  const z = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "ECDH", public: publicKey }, ephemeral.privateKey, 256),
  );
  const { x, y } = await crypto.subtle.exportKey("jwk", ephemeral.publicKey);
  const header = encodeBase64url(
    utf8(JSON.stringify({ alg: "ECDH-ES", enc: ENC, epk: { kty: "EC", crv: "P-256", x, y } })),
  );
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: utf8(header), tagLength: 128 },
      await contentKey(z),
      concatBytes(plaintext),
    ),
  );
  const ciphertext = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  return `${header}..${encodeBase64url(iv)}.${encodeBase64url(ciphertext)}.${encodeBase64url(tag)}`;
}
