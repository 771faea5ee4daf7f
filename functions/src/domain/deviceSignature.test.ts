import { generateDeviceKey, type P256PublicJwk, SIGNATURE_HEADERS, signRequest } from "@countersign/shared";
import { describe, expect, it } from "vitest";
import { verifyDeviceSignature } from "./deviceSignature.js";

describe("verifyDeviceSignature", () => {
  it("accepts what a device signs and nothing else", async () => {
    const { privateKey, publicKeyJwk } = await generateDeviceKey();
    const jwk = publicKeyJwk as P256PublicJwk;
    const body = JSON.stringify({ decision: "approve", codes: [] });
    const headers = await signRequest({ privateKey, deviceId: "d1", method: "POST", path: "/api/v1/x", body });
    const parts = {
      method: "POST",
      path: "/api/v1/x",
      timestamp: headers[SIGNATURE_HEADERS.timestamp] ?? "",
      nonce: headers[SIGNATURE_HEADERS.nonce] ?? "",
      body: new TextEncoder().encode(body),
    };
    const signature = headers[SIGNATURE_HEADERS.signature] ?? "";
    expect(verifyDeviceSignature(jwk, parts, signature)).toBe(true);
    // Again, with the key now imported.
    expect(verifyDeviceSignature(jwk, parts, signature)).toBe(true);
    expect(verifyDeviceSignature(jwk, { ...parts, body: new TextEncoder().encode("{}") }, signature)).toBe(false);
    expect(verifyDeviceSignature(jwk, { ...parts, path: "/api/v1/y" }, signature)).toBe(false);
    expect(verifyDeviceSignature(jwk, { ...parts, method: "PUT" }, signature)).toBe(false);
    expect(verifyDeviceSignature(jwk, { ...parts, timestamp: "1" }, signature)).toBe(false);
    expect(verifyDeviceSignature(jwk, { ...parts, nonce: "AAAAAAAAAAAAAAAAAAAAAA" }, signature)).toBe(false);
    expect(verifyDeviceSignature(jwk, parts, "AAAA")).toBe(false);
    expect(verifyDeviceSignature(jwk, parts, `${signature.slice(0, 85)}!`)).toBe(false);
    expect(verifyDeviceSignature(jwk, parts, "A".repeat(86))).toBe(false);
    const other = (await generateDeviceKey()).publicKeyJwk as P256PublicJwk;
    expect(verifyDeviceSignature(other, parts, signature)).toBe(false);
    // A point that is not on the curve is a bad key, not an exception.
    expect(verifyDeviceSignature({ ...jwk, y: jwk.x }, parts, signature)).toBe(false);
  });
});
