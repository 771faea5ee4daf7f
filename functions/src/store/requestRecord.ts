import type { RequestRecord } from "./Store.js";

/**
 * A pending code request for foo@1.2.3 from owner/repo as a store keeps it
 * (link `l1` of account `a1`, created at 1000 ms, answerable for ten minutes),
 * with `fields` in place of the defaults: the record every store test (and the
 * store benchmark, bench/src/benchmarks/storeCost.ts) starts from. Not used by the relay.
 */
export function requestRecord(id: string, fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id,
    linkId: "l1",
    accountId: "a1",
    idempotencyKey: null,
    package: { name: "foo", version: "1.2.3" },
    context: { repository: "owner/repo" },
    oidcToken: null,
    verified: null,
    publicKey: null,
    operation: null,
    challenge: { type: "otp" },
    run: null,
    requester: { ip: "203.0.113.9", userAgent: "curl/8" },
    createdAt: 1000,
    expiresAt: 601_000,
    status: "pending",
    answer: null,
    answeredBy: null,
    answeredAt: null,
    deliveredAt: null,
    ...fields,
  };
}
