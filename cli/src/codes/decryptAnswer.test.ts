import { CompactEncrypt, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { createEphemeralKey } from "./createEphemeralKey.js";
import { decryptAnswer } from "./decryptAnswer.js";

const codes = [
  { otp: "123456", notBefore: 1_800_000_000_000, notAfter: 1_800_000_030_000 },
  { otp: "654321", notBefore: 1_800_000_030_000, notAfter: 1_800_000_060_000 },
];

async function encryptTo(publicJwk: object, payload: unknown, enc = "A256GCM"): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "ECDH-ES", enc })
    .encrypt(publicJwk as Parameters<CompactEncrypt["encrypt"]>[0]);
}

describe("decryptAnswer", () => {
  it("opens a JWE encrypted to the ephemeral public key, as the phone makes it", async () => {
    const key = await createEphemeralKey();
    expect(key.publicJwk).toEqual({ kty: "EC", crv: "P-256", x: expect.any(String), y: expect.any(String) });
    const jwe = await encryptTo(key.publicJwk, { codes });
    expect(await decryptAnswer(jwe, key.privateKey)).toEqual({ ok: true, codes });
  });

  it("refuses an answer encrypted to another key", async () => {
    const mine = await createEphemeralKey();
    const other = await createEphemeralKey();
    const result = await decryptAnswer(await encryptTo(other.publicJwk, { codes }), mine.privateKey);
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/could not be decrypted/) });
  });

  it("refuses other algorithms, tampering and malformed payloads", async () => {
    const key = await createEphemeralKey();
    const weak = await encryptTo(key.publicJwk, { codes }, "A128GCM");
    expect((await decryptAnswer(weak, key.privateKey)).ok).toBe(false);

    const jwe = await encryptTo(key.publicJwk, { codes });
    const parts = jwe.split(".");
    const ciphertext = parts[3] as string;
    parts[3] = `${ciphertext[0] === "A" ? "B" : "A"}${ciphertext.slice(1)}`;
    expect((await decryptAnswer(parts.join("."), key.privateKey)).ok).toBe(false);

    const wrongShape = await encryptTo(key.publicJwk, { codes: [{ otp: "12ab56", notBefore: 1, notAfter: 2 }] });
    expect(await decryptAnswer(wrongShape, key.privateKey)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/does not hold/),
    });
  });

  it("refuses a key of another curve", async () => {
    const { publicKey } = await generateKeyPair("ECDH-ES", { crv: "P-384" });
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ codes })))
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM" })
      .encrypt(publicKey);
    const key = await createEphemeralKey();
    expect((await decryptAnswer(jwe, key.privateKey)).ok).toBe(false);
  });
});
