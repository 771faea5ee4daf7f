import { describe, expect, it } from "vitest";
import { hashedDocId, recordDocId } from "./docIds.js";

describe("recordDocId", () => {
  it("keeps the relay's own ids readable", () => {
    expect(recordDocId("q3Jx0_-AbCdEfGhIjKlMnO")).toBe("q3Jx0_-AbCdEfGhIjKlMnO");
  });

  it("hashes ids Firestore would refuse, each to its own document", () => {
    const refused = ["a/b", ".", "..", "__name__", "", "x".repeat(1501)];
    const ids = refused.map(recordDocId);
    for (const id of ids) expect(id).toMatch(/^~[0-9a-f]{64}$/);
    expect(new Set(ids).size).toBe(refused.length);
  });
});

describe("hashedDocId", () => {
  it("does not let parts run into each other", () => {
    expect(hashedDocId("ab", "c")).not.toBe(hashedDocId("a", "bc"));
    expect(hashedDocId("ab", "c")).toBe(hashedDocId("ab", "c"));
  });
});
