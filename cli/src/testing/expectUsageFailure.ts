import { expect } from "vitest";

/** Asserts that `result` failed as a usage error whose message matches `message`; returns the message. */
export function expectUsageFailure(
  result: { ok: true } | { ok: false; failure: { kind: string; message: string } },
  message: RegExp,
): string {
  expect(result.ok).toBe(false);
  if (result.ok) return "";
  expect(result.failure.kind).toBe("usage");
  expect(result.failure.message).toMatch(message);
  return result.failure.message;
}
