import { describe, expect, it } from "vitest";
import { Base32Error, decodeBase32, encodeBase32 } from "./base32.js";

describe("base32", () => {
  it.each([
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ])("encodes %j as %s (RFC 4648)", (plain, encoded) => {
    expect(encodeBase32(new TextEncoder().encode(plain))).toBe(encoded);
    if (plain) expect(new TextDecoder().decode(decodeBase32(`${encoded.toLowerCase()}====`))).toBe(plain);
  });

  it("names the character it cannot read", () => {
    expect(() => decodeBase32("MZXW0")).toThrow(Base32Error);
    expect(() => decodeBase32("MZXW0")).toThrow(/"0"/);
  });
});
