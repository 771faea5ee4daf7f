import { describe, expect, it } from "vitest";
import { encodeBase32 } from "./base32.js";
import { generateTimedCodes, generateTotp, msLeftInStep, pickValidCode, type TotpAlgorithm } from "./totp.js";

// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's size.
const seed = (length: number) => encodeBase32(new TextEncoder().encode("1234567890".repeat(7).slice(0, length)));
const SEEDS: Record<TotpAlgorithm, string> = { SHA1: seed(20), SHA256: seed(32), SHA512: seed(64) };
const VECTORS: [number, string, TotpAlgorithm][] = [
  [59, "94287082", "SHA1"],
  [59, "46119246", "SHA256"],
  [59, "90693936", "SHA512"],
  [1111111109, "07081804", "SHA1"],
  [1111111109, "68084774", "SHA256"],
  [1111111109, "25091201", "SHA512"],
  [1111111111, "14050471", "SHA1"],
  [1111111111, "67062674", "SHA256"],
  [1111111111, "99943326", "SHA512"],
  [1234567890, "89005924", "SHA1"],
  [1234567890, "91819424", "SHA256"],
  [1234567890, "93441116", "SHA512"],
  [2000000000, "69279037", "SHA1"],
  [2000000000, "90698825", "SHA256"],
  [2000000000, "38618901", "SHA512"],
  [20000000000, "65353130", "SHA1"],
  [20000000000, "77737706", "SHA256"],
  [20000000000, "47863826", "SHA512"],
];

describe("generateTotp", () => {
  it.each(VECTORS)("at %i s gives %s with %s (RFC 6238)", async (time, expected, algorithm) => {
    const code = await generateTotp({ secret: SEEDS[algorithm], algorithm, digits: 8, period: 30 }, time * 1000);
    expect(code).toBe(expected);
  });

  it("accepts the 10-byte secrets registries hand out", async () => {
    const code = await generateTotp({ secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 }, 0);
    expect(code).toMatch(/^\d{6}$/);
  });

  it("honours the period", async () => {
    const params = { secret: SEEDS.SHA1, algorithm: "SHA1" as const, digits: 8, period: 60 };
    expect(await generateTotp(params, 118_000)).toBe(await generateTotp({ ...params, period: 30 }, 59_000));
  });
});

describe("generateTimedCodes", () => {
  it("gives the current and next step with their windows", async () => {
    const params = { secret: SEEDS.SHA1, algorithm: "SHA1" as const, digits: 8, period: 30 };
    const codes = await generateTimedCodes(params, 1111111109_000);
    expect(codes).toEqual([
      { otp: "07081804", notBefore: 1111111080_000, notAfter: 1111111110_000 },
      { otp: "14050471", notBefore: 1111111110_000, notAfter: 1111111140_000 },
    ]);
    expect(pickValidCode(codes, 1111111111_000)?.otp).toBe("14050471");
    expect(pickValidCode(codes, 1111111140_000)).toBeUndefined();
  });
});

describe("msLeftInStep", () => {
  it("counts down to the end of the step", () => {
    expect(msLeftInStep(30, 59_000)).toBe(1_000);
    expect(msLeftInStep(30, 60_000)).toBe(30_000);
  });
});
