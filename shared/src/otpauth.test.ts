import { describe, expect, it } from "vitest";
import { formatOtpauthUri, OtpauthError, parseOtpauthUri, validateAccount } from "./otpauth.js";

describe("parseOtpauthUri", () => {
  it("reads an npm QR code", () => {
    expect(parseOtpauthUri("otpauth://totp/npm:alice?secret=JBSWY3DPEHPK3PXP&issuer=npm")).toEqual({
      issuer: "npm",
      label: "alice",
      secret: "JBSWY3DPEHPK3PXP",
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    });
  });

  it("splits an issuer:account label and decodes it", () => {
    const account = parseOtpauthUri("otpauth://totp/ACME%20Co:john%40example.com?secret=jbswy3dpehpk3pxp");
    expect(account.issuer).toBe("ACME Co");
    expect(account.label).toBe("john@example.com");
    expect(account.secret).toBe("JBSWY3DPEHPK3PXP");
  });

  it("prefers the issuer parameter over the label prefix", () => {
    expect(parseOtpauthUri("otpauth://totp/Old:bob?secret=JBSWY3DPEHPK3PXP&issuer=New").issuer).toBe("New");
  });

  it("reads algorithm, digits and period", () => {
    const account = parseOtpauthUri("otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=8&period=60");
    expect(account).toMatchObject({ algorithm: "SHA512", digits: 8, period: 60 });
  });

  it("round-trips through formatOtpauthUri", () => {
    const account = parseOtpauthUri("otpauth://totp/RubyGems.org:a%3Ab?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256");
    expect(parseOtpauthUri(formatOtpauthUri(account))).toEqual(account);
  });

  it.each([
    ["https://example.com", /not an otpauth/],
    ["otpauth://hotp/x:y?secret=JBSWY3DPEHPK3PXP&counter=1", /HOTP/],
    ["otpauth://totp/x:y", /no secret/],
    ["otpauth://totp/x:y?secret=ABC1", /"1".*base32/],
    ["otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP&digits=5", /Digits must be 6 to 8/],
    ["otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP&digits=six", /whole number/],
    ["otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", /not supported/],
    ["otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP&period=0", /period/],
    ["otpauth-migration://offline?data=abc", /Google Authenticator export/],
  ])("refuses %s clearly", (uri, message) => {
    expect(() => parseOtpauthUri(uri)).toThrow(OtpauthError);
    expect(() => parseOtpauthUri(uri)).toThrow(message);
  });
});

describe("validateAccount", () => {
  it("normalizes a secret typed with spaces and lower case", () => {
    expect(validateAccount({ label: "a", secret: "jbsw y3dp ehpk 3pxp" }).secret).toBe("JBSWY3DPEHPK3PXP");
  });

  it("requires an account name", () => {
    expect(() => validateAccount({ label: " ", secret: "JBSWY3DPEHPK3PXP" })).toThrow(/account name/);
  });
});
