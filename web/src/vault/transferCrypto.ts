import { decodeBase64url, encodeBase64url, type P256PublicJwk, type SealedTransfer } from "@countersign/shared";
import { fromPortablePayload, type PortableAccount, toPortablePayload } from "./passkeyAccount.js";

/**
 * The crypto of a seed transfer between two devices. The inviter puts a
 * random secret in the invite QR code's fragment (never sent to the server).
 * The new device makes an ephemeral ECDH P-256 key and registers its public
 * half under `transferId(secret)`; the inviter makes its own ephemeral key,
 * derives ECDH → HKDF-SHA-256 (salt: the secret) → AES-256-GCM and encrypts
 * the seeds. A server swapping keys in the middle still lacks the secret, so
 * it can neither read the seeds nor forge a transfer the new device accepts.
 */

const ECDH = { name: "ECDH", namedCurve: "P-256" } as const;
const INFO = new TextEncoder().encode("countersign seed transfer v1");

export interface TransferKeyPair {
  privateKey: CryptoKey;
  publicKeyJwk: P256PublicJwk;
}

/** 32 random bytes, base64url: goes in the invite link's fragment as `transfer=`. */
export function newTransferSecret(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The id both devices use with the server: SHA-256 of the secret, so the server learns nothing of it. */
export async function transferIdFor(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`countersign-transfer-id:${secret}`));
  return encodeBase64url(new Uint8Array(digest));
}

export async function generateTransferKey(): Promise<TransferKeyPair> {
  const pair = (await crypto.subtle.generateKey(ECDH, false, ["deriveBits"])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return {
    privateKey: pair.privateKey,
    publicKeyJwk: { kty: "EC", crv: "P-256", x: jwk.x ?? "", y: jwk.y ?? "" },
  };
}

async function deriveAesKey(privateKey: CryptoKey, peer: P256PublicJwk, secret: string): Promise<CryptoKey> {
  const peerKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "EC", crv: "P-256", x: peer.x, y: peer.y },
    ECDH,
    false,
    [],
  );
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: peerKey }, privateKey, 256);
  const hkdf = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: decodeBase64url(secret) as BufferSource, info: INFO },
    hkdf,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Binds the ciphertext to both ephemeral keys. */
const additionalData = (sender: P256PublicJwk, receiver: P256PublicJwk) =>
  new TextEncoder().encode(`${sender.x}.${sender.y}.${receiver.x}.${receiver.y}`);

/** The inviter encrypts `accounts` to the new device's ephemeral key. */
export async function sealTransfer(
  accounts: PortableAccount[],
  receiver: P256PublicJwk,
  secret: string,
): Promise<SealedTransfer> {
  const mine = await generateTransferKey();
  const key = await deriveAesKey(mine.privateKey, receiver, secret);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(mine.publicKeyJwk, receiver) },
    key,
    new TextEncoder().encode(JSON.stringify({ v: 1, ...toPortablePayload(accounts) })),
  );
  return {
    publicKey: mine.publicKeyJwk,
    iv: encodeBase64url(iv),
    ciphertext: encodeBase64url(new Uint8Array(ciphertext)),
  };
}

/** The new device decrypts what the inviter sealed; throws when the key, secret or ciphertext do not match. */
export async function openSealedTransfer(
  sealed: SealedTransfer,
  receiver: TransferKeyPair,
  secret: string,
): Promise<PortableAccount[]> {
  const key = await deriveAesKey(receiver.privateKey, sealed.publicKey, secret);
  const plain = await crypto.subtle.decrypt(
    {
      name: "AES-GCM",
      iv: decodeBase64url(sealed.iv) as BufferSource,
      additionalData: additionalData(sealed.publicKey, receiver.publicKeyJwk),
    },
    key,
    decodeBase64url(sealed.ciphertext) as BufferSource,
  );
  const parsed = JSON.parse(new TextDecoder().decode(plain)) as { v?: number; accounts?: unknown };
  if (parsed.v !== 1 || !Array.isArray(parsed.accounts)) throw new Error("The transfer's contents are not accounts.");
  return fromPortablePayload(parsed);
}
