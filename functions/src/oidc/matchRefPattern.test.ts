import { describe, expect, it } from "vitest";
import { matchRefPattern } from "./matchRefPattern.js";

describe("matchRefPattern", () => {
  it("matches exact refs literally and case-sensitively", () => {
    expect(matchRefPattern("refs/heads/main", "refs/heads/main")).toBe(true);
    expect(matchRefPattern("refs/heads/main", "refs/heads/Main")).toBe(false);
    expect(matchRefPattern("refs/heads/main", "refs/heads/main2")).toBe(false);
    expect(matchRefPattern("refs/tags/v1.0", "refs/tags/v1x0")).toBe(false);
  });

  it("lets * stand for one path segment and ** for several", () => {
    expect(matchRefPattern("refs/heads/release/*", "refs/heads/release/1.x")).toBe(true);
    expect(matchRefPattern("refs/heads/release/*", "refs/heads/release/1.x/fix")).toBe(false);
    expect(matchRefPattern("refs/heads/release/**", "refs/heads/release/1.x/fix")).toBe(true);
    expect(matchRefPattern("refs/tags/v*", "refs/tags/v2.0.0")).toBe(true);
    expect(matchRefPattern("refs/tags/v*", "refs/heads/v2")).toBe(false);
  });

  it("treats regular-expression characters as text", () => {
    expect(matchRefPattern("refs/heads/a+b", "refs/heads/a+b")).toBe(true);
    expect(matchRefPattern("refs/heads/a+b", "refs/heads/aab")).toBe(false);
    expect(matchRefPattern("refs/heads/(x)|y", "refs/heads/y")).toBe(false);
  });
});
