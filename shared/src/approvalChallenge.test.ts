import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { approvalChallenge } from "./approvalChallenge.js";

const first = { otp: "123456", notBefore: 1000, notAfter: 31_000 };
const second = { otp: "654321", notBefore: 31_000, notAfter: 61_000 };
const codes = [first, second];
const b64 = (text: string) => createHash("sha256").update(text).digest("base64url");

describe("approvalChallenge", () => {
  it("is the documented hash of context, request, decision and answer", async () => {
    const inner = b64("codes:123456,1000,31000;654321,31000,61000");
    expect(await approvalChallenge("req1", { codes })).toBe(b64(`countersign-approval-v1\nreq1\napprove\n${inner}`));
    expect(await approvalChallenge("req1", { jwe: "a.b.c.d.e" })).toBe(
      b64(`countersign-approval-v1\nreq1\napprove\n${b64("jwe:a.b.c.d.e")}`),
    );
  });

  it("differs for another request, other codes, another order or a JWE", async () => {
    const base = await approvalChallenge("req1", { codes });
    const others = await Promise.all([
      approvalChallenge("req2", { codes }),
      approvalChallenge("req1", { codes: [first] }),
      approvalChallenge("req1", { codes: [...codes].reverse() }),
      approvalChallenge("req1", { codes: [{ ...first, otp: "000000" }, second] }),
      approvalChallenge("req1", { jwe: "a.b.c.d.e" }),
    ]);
    expect(new Set([base, ...others]).size).toBe(6);
    expect(base).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
