import { describe, expect, it } from "vitest";
import { matchRefPattern } from "./matchRefPattern.js";

describe("matchRefPattern", () => {
  // Exact refs match literally and case-sensitively; * stands for one path segment and ** for several;
  // regular-expression characters are text.
  it.each([
    ["refs/heads/main", ["refs/heads/main"], ["refs/heads/Main", "refs/heads/main2"]],
    ["refs/tags/v1.0", [], ["refs/tags/v1x0"]],
    ["refs/heads/release/*", ["refs/heads/release/1.x"], ["refs/heads/release/1.x/fix"]],
    ["refs/heads/release/**", ["refs/heads/release/1.x/fix"], []],
    ["refs/tags/v*", ["refs/tags/v2.0.0"], ["refs/heads/v2"]],
    ["refs/heads/a+b", ["refs/heads/a+b"], ["refs/heads/aab"]],
    ["refs/heads/(x)|y", [], ["refs/heads/y"]],
  ])("%s matches %j and not %j", (pattern, matches, misses) => {
    for (const ref of matches) expect(matchRefPattern(pattern, ref), ref).toBe(true);
    for (const ref of misses) expect(matchRefPattern(pattern, ref), ref).toBe(false);
  });
});
