import { describe, expect, it } from "vitest";
import { generateDeviceKey, SIGNATURE_HEADERS, signRequest, verifyRequestSignature } from "./signing.js";

describe("device request signing", () => {
  it("verifies what it signed, and nothing else", async () => {
    const { privateKey, publicKeyJwk } = await generateDeviceKey();
    const body = JSON.stringify({ decision: "deny" });
    const headers = await signRequest({ privateKey, deviceId: "dev_1", method: "post", path: "/api/v1/x", body });
    const parts = {
      method: "POST",
      path: "/api/v1/x",
      timestamp: headers[SIGNATURE_HEADERS.timestamp] as string,
      nonce: headers[SIGNATURE_HEADERS.nonce] as string,
      body,
    };
    const signature = headers[SIGNATURE_HEADERS.signature] as string;
    expect(headers[SIGNATURE_HEADERS.device]).toBe("dev_1");
    expect(await verifyRequestSignature(publicKeyJwk, parts, signature)).toBe(true);
    expect(await verifyRequestSignature(publicKeyJwk, { ...parts, body: "{}" }, signature)).toBe(false);
    expect(await verifyRequestSignature(publicKeyJwk, { ...parts, path: "/api/v1/y" }, signature)).toBe(false);
    expect(await verifyRequestSignature(publicKeyJwk, { ...parts, method: "GET" }, signature)).toBe(false);
    expect(await verifyRequestSignature(publicKeyJwk, parts, "AAAA")).toBe(false);
    const other = await generateDeviceKey();
    expect(await verifyRequestSignature(other.publicKeyJwk, parts, signature)).toBe(false);
  });

  it("creates a private key that cannot be exported", async () => {
    const { privateKey } = await generateDeviceKey();
    expect(privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey("jwk", privateKey)).rejects.toThrow();
  });
});
