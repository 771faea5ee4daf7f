import { describe, expect, it } from "vitest";
import { createRedactor } from "./createRedactor.js";

describe("createRedactor", () => {
  it("blanks given secrets and anything shaped like a link token", () => {
    const redact = createRedactor(["super-secret-value", undefined, "short"]);
    const text = "url https://x/api/v1/otp/cs_abcdefghijklmnopqrstuvwxyz012345 bearer super-secret-value short";
    const result = redact(text);
    expect(result).not.toContain("cs_abcdefgh");
    expect(result).not.toContain("super-secret-value");
    expect(result).toContain("short");
    expect(result).toBe("url https://x/api/v1/otp/cs_…[redacted] bearer [redacted] short");
  });
});

describe("createRedactor with secrets learnt later", () => {
  it("blanks a secret added to the list after creation", () => {
    const secrets: string[] = [];
    const redact = createRedactor(secrets);
    secrets.push("eyJhbGciOiJSUzI1NiJ9.payload.sig");
    expect(redact("token eyJhbGciOiJSUzI1NiJ9.payload.sig")).toBe("token [redacted]");
  });
});
