import { describe, expect, it } from "vitest";
import { pickCode } from "./pickCode.js";

const step = 30_000;
const t0 = 1_800_000_000_000 - (1_800_000_000_000 % step);
const codes = [
  { otp: "111111", notBefore: t0, notAfter: t0 + step },
  { otp: "222222", notBefore: t0 + step, notAfter: t0 + 2 * step },
];

describe("pickCode", () => {
  it("picks the code whose window contains now", () => {
    expect(pickCode(codes, t0)).toEqual({ code: codes[0], exact: true });
    expect(pickCode(codes, t0 + step - 1)).toEqual({ code: codes[0], exact: true });
    expect(pickCode(codes, t0 + step)).toEqual({ code: codes[1], exact: true });
  });

  it("falls back to the nearest window when the clocks disagree", () => {
    expect(pickCode(codes, t0 - 5000)).toEqual({ code: codes[0], exact: false });
    expect(pickCode(codes, t0 + 2 * step + 5000)).toEqual({ code: codes[1], exact: false });
  });

  it("gives nothing for no codes", () => {
    expect(pickCode([], t0)).toBeUndefined();
  });
});
