import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "./parseRetryAfter.js";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-22T05:00:00Z");
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("7", now, 1000)).toBe(7000);
    expect(parseRetryAfter("Sun, 22 Nov 2026 05:00:12 GMT", now, 1000)).toBe(12_000);
    expect(parseRetryAfter("Sun, 22 Nov 2026 04:00:00 GMT", now, 1000)).toBe(0);
  });
  it("falls back when absent or unreadable", () => {
    expect(parseRetryAfter(null, now, 1000)).toBe(1000);
    expect(parseRetryAfter("soon", now, 1000)).toBe(1000);
  });
});
