import { describe, expect, it } from "vitest";
import { isLinkTokenFormat, redactTokens } from "./tokens.js";

describe("link tokens", () => {
  const token = `cs_${"A".repeat(32)}`;
  it("recognizes the format", () => {
    expect(isLinkTokenFormat(token)).toBe(true);
    expect(isLinkTokenFormat("cs_short")).toBe(false);
  });
  it("redacts tokens from text", () => {
    expect(redactTokens(`POST /api/v1/otp/${token} 200`)).toBe("POST /api/v1/otp/cs_…redacted 200");
  });
});
