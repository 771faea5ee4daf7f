import { decodeBase64url, encodeBase64url } from "@countersign/shared";
import { compactDecrypt, exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { type EcPublicJwk, encryptJwe } from "./jwe.js";

/** A key pair as CI makes one (the CLI uses jose), with its public half as the request carries it. */
async function ciKey() {
  const { privateKey, publicKey } = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return { privateKey, jwk: { kty, crv, x, y } as EcPublicJwk };
}

const header = (jwe: string) =>
  JSON.parse(new TextDecoder().decode(decodeBase64url(jwe.split(".")[0] ?? ""))) as Record<string, unknown>;

describe("encryptJwe", () => {
  it("writes a compact JWE that jose decrypts with CI's private key, ECDH-ES + A256GCM", async () => {
    const ci = await ciKey();
    const plaintext = new TextEncoder().encode(JSON.stringify({ codes: [{ code: "123456", from: 1, until: 2 }] }));
    const jwe = await encryptJwe(ci.jwk, plaintext);

    const parts = jwe.split(".");
    expect(parts).toHaveLength(5);
    expect(parts[1]).toBe(""); // direct key agreement: no encrypted key
    expect(decodeBase64url(parts[2] ?? "")).toHaveLength(12);
    expect(decodeBase64url(parts[4] ?? "")).toHaveLength(16);
    const decrypted = await compactDecrypt(jwe, ci.privateKey, {
      keyManagementAlgorithms: ["ECDH-ES"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    expect(new TextDecoder().decode(decrypted.plaintext)).toBe(new TextDecoder().decode(plaintext));
    expect(decrypted.protectedHeader).toEqual({
      alg: "ECDH-ES",
      enc: "A256GCM",
      epk: { kty: "EC", crv: "P-256", x: expect.any(String), y: expect.any(String) },
    });
  });

  it("uses a fresh ephemeral key and IV for every message", async () => {
    const ci = await ciKey();
    const plaintext = new TextEncoder().encode("same");
    const [first, second] = await Promise.all([encryptJwe(ci.jwk, plaintext), encryptJwe(ci.jwk, plaintext)]);
    expect(header(first ?? "").epk).not.toEqual(header(second ?? "").epk);
    expect(first?.split(".")[2]).not.toBe(second?.split(".")[2]);
    expect(first?.split(".")[3]).not.toBe(second?.split(".")[3]);
  });

  it("is for CI's key only: another key cannot decrypt it, and a changed header or ciphertext is refused", async () => {
    const ci = await ciKey();
    const other = await ciKey();
    const jwe = await encryptJwe(ci.jwk, new TextEncoder().encode("123456"));
    await expect(compactDecrypt(jwe, other.privateKey)).rejects.toThrow();

    const [protectedHeader, key, iv, ciphertext, tag] = jwe.split(".");
    const flipped = `${ciphertext?.slice(0, -2)}${ciphertext?.endsWith("AA") ? "AB" : "AA"}`;
    await expect(compactDecrypt([protectedHeader, key, iv, flipped, tag].join("."), ci.privateKey)).rejects.toThrow();
    // The same header fields in another order: other additional data, so the tag does not match.
    const fields = header(jwe);
    const reordered = new TextEncoder().encode(JSON.stringify({ enc: fields.enc, alg: fields.alg, epk: fields.epk }));
    await expect(
      compactDecrypt([encodeBase64url(reordered), key, iv, ciphertext, tag].join("."), ci.privateKey),
    ).rejects.toThrow();
  });

  it("refuses a key that is not an EC P-256 public key, or not a point on the curve", async () => {
    const ci = await ciKey();
    const plaintext = new TextEncoder().encode("123456");
    await expect(encryptJwe({ ...ci.jwk, crv: "P-384" }, plaintext)).rejects.toThrow(
      "CI's key must be an EC P-256 key, not EC P-384.",
    );
    // The point (x, y + 1) is not on P-256.
    const y = decodeBase64url(ci.jwk.y);
    y[31] = ((y[31] ?? 0) + 1) % 256;
    await expect(encryptJwe({ ...ci.jwk, y: encodeBase64url(y) }, plaintext)).rejects.toThrow();
  });
});
