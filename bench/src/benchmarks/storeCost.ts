import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requestRecord } from "@countersign/functions/dist/store/requestRecord.js";
import { SqliteStore } from "@countersign/functions/dist/store/SqliteStore.js";
import type { AuditRecord } from "@countersign/functions/dist/store/Store.js";
import Database from "libsql";
import { cpuMeter, cpuPerCall } from "../lib/cpu.js";

/** CPU per operation, µs, of the embedded store alone (this process, no HTTP, no crypto). */
export interface StoreCostResults {
  /**
   * The store's part of one relay round trip, as the relay makes it: the
   * request created within its link's limits with its audit entry (one
   * commit), the CI call's wait, the phone's nonce looked up, the answer
   * with its audit outcome, committed with the nonce and handed to the wait
   * (the second commit).
   */
  roundTripUs: number;
  roundTrips: number;
  /** libsql alone, on a file with the store's settings (WAL, synchronous = NORMAL). */
  statementUs: number;
  /** A primary-key look-up that finds nothing (the nonce check). */
  lookupUs: number;
  /** An INSERT inside an open transaction. */
  insertUs: number;
  /** BEGIN, one INSERT, COMMIT: one page written to the WAL. */
  commitUs: number;
}

/** What the binding costs per call, on a scratch file set up as the store sets up its own. */
function statementCosts(dir: string) {
  const db = new Database(join(dir, "statements.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec("CREATE TABLE nonces (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID");
    const nothing = db.prepare("SELECT 1");
    const lookup = db.prepare("SELECT 1 AS found FROM nonces WHERE key = ?");
    const insert = db.prepare("INSERT INTO nonces (key, expires_at) VALUES (?, ?)");
    const begin = db.prepare("BEGIN");
    const commit = db.prepare("COMMIT");
    // Keys made beforehand, so that the loops time the statements alone.
    const keys = Array.from({ length: 40_000 }, (_, i) => `${i}:${randomBytes(12).toString("base64url")}`);
    const key = (i: number) => keys[i % keys.length] as string;
    const statementUs = cpuPerCall(50_000, () => nothing.get(), 2000);
    const lookupUs = cpuPerCall(50_000, (i) => lookup.get(`absent-${i}`), 2000);
    begin.run();
    const insertUs = cpuPerCall(18_000, (i) => insert.run(key(i), i), 2000);
    commit.run();
    const commitUs = cpuPerCall(
      10_000,
      (i) => {
        begin.run();
        insert.run(key(20_000 + i), i);
        commit.run();
      },
      2000,
    );
    return { statementUs, lookupUs, insertUs, commitUs };
  } finally {
    db.close();
  }
}

const LIMITS = { maxPending: 1000, maxPerHour: 100_000 };
const WARM_UP = 1000;

/**
 * The embedded store's CPU per round trip (SqliteStore on a real file, the
 * calls the relay makes, in the relay's order) and what its SQLite binding
 * costs per statement and per commit: the share of the relay's CPU that
 * storage takes, to read the round-trip benchmark against.
 */
export async function benchStoreCost(options: { roundTrips: number }): Promise<StoreCostResults> {
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-cost-"));
  try {
    const store = SqliteStore.open(join(dir, "data"));
    // Random ids as the relay makes them (16 bytes, base64url: each lands on its own page of an
    // index), made beforehand: making them in the loop would time the random source, not the store.
    const ids = Array.from({ length: 4 * (WARM_UP + options.roundTrips) }, () => randomBytes(16).toString("base64url"));
    let next = 0;
    const nextId = () => ids[next++] as string;
    let trip = 0;
    const roundTrip = async () => {
      const now = Date.now();
      trip++;
      const id = nextId();
      const request = requestRecord(id, {
        linkId: `link-${trip % 16}`,
        accountId: "account",
        idempotencyKey: nextId(),
        package: { name: `bench-${trip}`, version: "1.0.0" },
        context: { repository: "owner/repo", workflow: "release.yml", ref: "refs/tags/v1.0.0" },
        requester: { ip: "127.0.0.1", userAgent: "node", method: "POST" },
        createdAt: now,
        expiresAt: now + 300_000,
      });
      const audit: AuditRecord = {
        id: nextId(),
        requestId: id,
        accountId: "account",
        at: now,
        linkId: request.linkId,
        linkName: "CI",
        package: request.package,
        claimed: request.context,
        verified: null,
        requester: request.requester,
        outcome: "pending",
        answeredBy: null,
        message: null,
      };
      const created = await store.createRequest(request, audit, { ...LIMITS, now });
      if (!created.created) throw new Error("the store refused a request within its limits");
      const waiting = store.waitForAnswer(id, 60_000);
      if (!(await store.rememberNonce(`device:${nextId()}`, now + 360_000)))
        throw new Error("a new nonce was taken for a replay");
      const answeredBy = { deviceId: "device", deviceName: "Phone" };
      const answer = { codes: [{ otp: "123456", notBefore: now - 1000, notAfter: now + 29_000 }] };
      const outcome = await store.answerRequest(
        id,
        { status: "approved", answer, answeredBy, answeredAt: now },
        { outcome: "approved", answeredBy, message: null },
        { outcome: "delivered" },
      );
      if (!outcome.ok) throw new Error("the only answer to a pending request was refused");
      if ((await waiting)?.status !== "approved") throw new Error("the waiting call did not get the approval");
    };
    try {
      for (let i = 0; i < WARM_UP; i++) await roundTrip();
      const meter = cpuMeter(null);
      for (let i = 0; i < options.roundTrips; i++) await roundTrip();
      const roundTripUs = meter.stop(options.roundTrips, 1).perOperationUs;
      return { roundTripUs, roundTrips: options.roundTrips, ...statementCosts(dir) };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
