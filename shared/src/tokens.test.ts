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
  it("redacts percent-encoded spellings of a token", () => {
    expect(redactTokens(`/otp/cs_%41%41${"A".repeat(30)}`)).toBe("/otp/cs_…redacted");
    expect(redactTokens(`/otp/%63%73%5f${"%41".repeat(32)}?wait=0`)).toBe("/otp/cs_…redacted?wait=0");
  });
});
