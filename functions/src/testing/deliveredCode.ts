import type { TimedCode } from "@countersign/shared";
import { expect } from "vitest";

/**
 * The code of `codes` that CI got, checked to be one the relay may hand over
 * by now. A phone sends the code of the current step and the next; the relay
 * hands over the one valid at delivery, so when a step boundary passes between
 * the answer and the delivery, the next code is the right one. Any code not yet
 * due, or not among `codes`, fails.
 */
export function expectDeliveredOtp(otp: unknown, codes: readonly TimedCode[]): TimedCode {
  const now = Date.now();
  const due = codes.filter((code) => code.notBefore <= now);
  const delivered = due.find((code) => code.otp === otp);
  expect(
    delivered,
    `CI got ${String(otp)}; the codes due by now: ${due.map((code) => code.otp).join(", ")}`,
  ).toBeDefined();
  return delivered as TimedCode;
}

/** As `expectDeliveredOtp`, for the plain-text answer: the code and a newline. */
export function expectDeliveredText(text: string, codes: readonly TimedCode[]): TimedCode {
  expect(text).toMatch(/^\d+\n$/);
  return expectDeliveredOtp(text.slice(0, -1), codes);
}
