import { EventEmitter } from "node:events";
import { chmodSync, closeSync, existsSync, fdatasync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import type { SecurityEvent } from "@countersign/shared";
import Database from "libsql";
import {
  type AccountRecord,
  type AnswerInput,
  type AnswerOutcome,
  AUDIT_RETENTION_MS,
  type AuditKind,
  type AuditPatch,
  type AuditRecord,
  type CreateRequestOutcome,
  type DeviceRecord,
  type InviteRecord,
  type LimitRefusal,
  type LinkRecord,
  REFUSAL_RETENTION_MS,
  REQUEST_RETENTION_MS,
  type RequestLimits,
  type RequestRecord,
  type Store,
  type StoredAnswer,
  type WaitSignal,
} from "./Store.js";

const HOUR_MS = 60 * 60 * 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, public_key TEXT NOT NULL, created_at INTEGER NOT NULL,
  last_seen_at INTEGER, push TEXT);
CREATE TABLE IF NOT EXISTS nonces (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS invites (
  code_hash TEXT PRIMARY KEY, created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY, issuer TEXT NOT NULL, label TEXT NOT NULL, created_at INTEGER NOT NULL, device_ids TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
  id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
  token_hint TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER, paused INTEGER NOT NULL,
  revoked_at INTEGER, policy TEXT);
CREATE INDEX IF NOT EXISTS links_account ON links (account_id);
CREATE TABLE IF NOT EXISTS requests (
  id TEXT PRIMARY KEY, link_id TEXT NOT NULL, account_id TEXT NOT NULL, idempotency_key TEXT,
  details TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, status TEXT NOT NULL,
  answer TEXT, answered_by TEXT, answered_at INTEGER, delivered_at INTEGER,
  UNIQUE (link_id, idempotency_key));
CREATE INDEX IF NOT EXISTS requests_link ON requests (link_id, created_at);
CREATE INDEX IF NOT EXISTS requests_link_pending ON requests (link_id, expires_at) WHERE status = 'pending';
DROP INDEX IF EXISTS requests_status;
CREATE TABLE IF NOT EXISTS audit (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, at INTEGER NOT NULL, entry TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_account ON audit (account_id, at);
CREATE TABLE IF NOT EXISTS security_events (id TEXT PRIMARY KEY, at INTEGER NOT NULL, event TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS security_events_at ON security_events (at);
`;

/**
 * Columns added after the first release, as [table, column, type]. A data
 * file from before gets them on open; rows it already holds read as NULL.
 */
const ADDED_COLUMNS = [
  ["links", "policy", "TEXT"],
  ["devices", "passkey", "TEXT"],
  // The registry relay's requests (`countersign exec`): JSON, JSON, seconds. A web
  // challenge's authUrl is in its own column so that wiping it is one UPDATE.
  ["requests", "operation", "TEXT"],
  ["requests", "challenge", "TEXT"],
  ["requests", "run_seconds", "INTEGER"],
] as const;

interface RequestRow {
  id: string;
  link_id: string;
  account_id: string;
  idempotency_key: string | null;
  details: string;
  created_at: number;
  expires_at: number;
  status: RequestRecord["status"];
  answer: string | null;
  answered_by: string | null;
  answered_at: number | null;
  delivered_at: number | null;
  operation: string | null;
  challenge: string | null;
  run_seconds: number | null;
}

type RequestDetails = Pick<RequestRecord, "package" | "context" | "oidcToken" | "verified" | "publicKey" | "requester">;

interface DeviceRow {
  id: string;
  name: string;
  public_key: string;
  created_at: number;
  last_seen_at: number | null;
  push: string | null;
  passkey: string | null;
}

interface LinkRow {
  id: string;
  account_id: string;
  name: string;
  token_hash: string;
  token_hint: string;
  created_at: number;
  last_used_at: number | null;
  paused: number;
  revoked_at: number | null;
  policy: string | null;
}

interface AccountRow {
  id: string;
  issuer: string;
  label: string;
  created_at: number;
  device_ids: string;
}

const toDevice = (row: DeviceRow): DeviceRecord => ({
  id: row.id,
  name: row.name,
  publicKey: JSON.parse(row.public_key),
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  push: row.push ? JSON.parse(row.push) : null,
  ...(row.passkey ? { passkey: JSON.parse(row.passkey) } : {}),
});

const toLink = (row: LinkRow): LinkRecord => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  tokenHash: row.token_hash,
  tokenHint: row.token_hint,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  paused: row.paused === 1,
  revokedAt: row.revoked_at,
  policy: row.policy ? JSON.parse(row.policy) : null,
});

const toAccount = (row: AccountRow): AccountRecord => ({
  id: row.id,
  issuer: row.issuer,
  label: row.label,
  createdAt: row.created_at,
  deviceIds: JSON.parse(row.device_ids),
});

const toRequest = (row: RequestRow): RequestRecord => {
  const details: RequestDetails = JSON.parse(row.details);
  return {
    id: row.id,
    linkId: row.link_id,
    accountId: row.account_id,
    idempotencyKey: row.idempotency_key,
    ...details,
    operation: row.operation ? JSON.parse(row.operation) : null,
    // Rows from before the registry relay were all code requests.
    challenge: row.challenge ? JSON.parse(row.challenge) : { type: "otp" },
    run: row.run_seconds === null ? null : { seconds: row.run_seconds },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    status: row.status,
    answer: row.answer ? (JSON.parse(row.answer) as StoredAnswer) : null,
    answeredBy: row.answered_by ? JSON.parse(row.answered_by) : null,
    answeredAt: row.answered_at,
    deliveredAt: row.delivered_at,
  };
};

/** Column names of the patchable fields, and how each value is stored. */
const DEVICE_COLUMNS = {
  name: ["name", (v: unknown) => v],
  lastSeenAt: ["last_seen_at", (v: unknown) => v],
  push: ["push", (v: unknown) => (v ? JSON.stringify(v) : null)],
  passkey: ["passkey", (v: unknown) => (v ? JSON.stringify(v) : null)],
} as const;
const ACCOUNT_COLUMNS = {
  issuer: ["issuer", (v: unknown) => v],
  label: ["label", (v: unknown) => v],
  deviceIds: ["device_ids", (v: unknown) => JSON.stringify(v)],
} as const;
const LINK_COLUMNS = {
  name: ["name", (v: unknown) => v],
  paused: ["paused", (v: unknown) => (v ? 1 : 0)],
  revokedAt: ["revoked_at", (v: unknown) => v],
  lastUsedAt: ["last_used_at", (v: unknown) => v],
  policy: ["policy", (v: unknown) => (v ? JSON.stringify(v) : null)],
} as const;

function addMissingColumns(db: Database.Database) {
  for (const [table, column, type] of ADDED_COLUMNS) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!columns.some((existing) => existing.name === column)) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  }
}

/**
 * The nonces table as a WITHOUT ROWID table: a nonce is then one b-tree entry
 * (its key) instead of a row and an index entry, one page fewer in the commit
 * of every signed answer. A data file from before gets its table rebuilt on
 * open, its nonces kept.
 */
function nonceTableWithoutRowid(db: Database.Database) {
  const table = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'nonces'").get() as
    | { sql: string }
    | undefined;
  if (!table || /WITHOUT ROWID/i.test(table.sql)) return;
  try {
    db.exec(`BEGIN;
      CREATE TABLE nonces_without_rowid (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO nonces_without_rowid (key, expires_at) SELECT key, expires_at FROM nonces;
      DROP TABLE nonces;
      ALTER TABLE nonces_without_rowid RENAME TO nonces;
      COMMIT;`);
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/**
 * How long after a wipe its checkpoint runs at the latest. Every wipe in that
 * window shares the one checkpoint (two fsyncs: from 0.5 ms to over 10 ms
 * here, depending on what else the disk does), so under load
 * the relay pays for one per window instead of one per delivered code.
 */
export const WIPE_CHECKPOINT_DELAY_MS = 100;

/**
 * Commits after which the store checkpoints the WAL itself (about 1,500
 * pages at a round trip's 6–10 per commit), once the call that made the last
 * one has answered: a `setImmediate` after the commit, so the checkpoint's
 * page copies and two fsyncs are not in any call's answer, as SQLite's own
 * automatic checkpoint inside a commit is.
 */
export const CHECKPOINT_EVERY_COMMITS = 200;

/**
 * Commits after which the WAL's new pages are flushed to the disk ahead of its
 * checkpoint, with an `fdatasync` on libuv's thread pool (one at a time), off
 * the event loop. With `synchronous = NORMAL` a commit writes the WAL without
 * syncing it, and the checkpoint's first fsync had to write back every page of
 * the last `CHECKPOINT_EVERY_COMMITS` commits while the event loop waited: 7–13
 * ms here, then 1.3–5 ms with this (docs/benchmarks.md, issue 19, "walsync").
 * It only ever syncs earlier than SQLite would: a commit's durability is as
 * before, or better.
 */
export const WAL_SYNC_EVERY_COMMITS = 25;

/**
 * SQLite's automatic checkpoint (inside the commit that takes the WAL past
 * this many pages) only as a backstop, for writes outside `tx` that
 * `CHECKPOINT_EVERY_COMMITS` does not count.
 */
const AUTOCHECKPOINT_PAGES = 10_000;

/** Most records the in-memory copy keeps per table; past it, it starts over. */
const CACHE_LIMIT = 10_000;

/** Freezes a record and what it holds, so that a caller cannot change the cached copy. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Records by key as last read from the file, for tables read on every call
 * and seldom written (devices, accounts, links). Every write to such a table
 * drops the copies it may touch; one process owns the file, so nothing else
 * can change it behind the copy's back. Copies are frozen.
 */
class RecordCache<T> {
  private readonly records = new Map<string, T>();
  read(key: string, load: () => T | null): T | null {
    const cached = this.records.get(key);
    if (cached) return cached;
    const loaded = load();
    if (loaded) {
      if (this.records.size >= CACHE_LIMIT) this.records.clear();
      this.records.set(key, deepFreeze(loaded));
    }
    return loaded;
  }
  drop(key: string) {
    this.records.delete(key);
  }
  clear() {
    this.records.clear();
  }
}

/** The audit fields a patch may set, as JSON paths. */
const AUDIT_PATHS = {
  outcome: "$.outcome",
  answeredBy: "$.answeredBy",
  message: "$.message",
  runUntil: "$.runUntil",
} as const;

const REQUEST_COLUMNS = `id, link_id, account_id, idempotency_key, details, created_at, expires_at, status, answer,
  answered_by, answered_at, delivered_at, operation, challenge, run_seconds`;
const REQUEST_VALUES = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

/** A new request; a conflict on its link's Idempotency-Key inserts nothing. */
const INSERT_REQUEST = `INSERT INTO requests (${REQUEST_COLUMNS}) VALUES (${REQUEST_VALUES})
  ON CONFLICT (link_id, idempotency_key) DO NOTHING`;

/**
 * INSERT_REQUEST, but only while the link has fewer than maxPending pending
 * requests and fewer than maxPerHour created in the last hour (the same
 * counts as `limitRefusal`, over the same indexes); the request's values are
 * followed by link id, now, maxPending, link id, an hour ago, maxPerHour - 1.
 */
const INSERT_REQUEST_WITHIN_LIMITS = `INSERT INTO requests (${REQUEST_COLUMNS}) SELECT ${REQUEST_VALUES}
  WHERE (SELECT COUNT(*) FROM requests WHERE link_id = ? AND status = 'pending' AND expires_at > ?) < ?
    AND (SELECT created_at FROM requests WHERE link_id = ? AND created_at > ?
         ORDER BY created_at DESC LIMIT 1 OFFSET ?) IS NULL
  ON CONFLICT (link_id, idempotency_key) DO NOTHING`;

/** SQL for a request's challenge with a web challenge's authUrl wiped (it is only of use while pending). */
const WIPED_CHALLENGE = "json_remove(challenge, '$.authUrl')";

/**
 * The answer's compare-and-set: status, answer, answered_by, answered_at,
 * delivered_at, then the id and the answer's time (the request must still be
 * pending and not past its time).
 */
const ANSWER_REQUEST = `UPDATE requests SET status = ?, answer = ?, answered_by = ?, answered_at = ?, delivered_at = ?,
    challenge = ${WIPED_CHALLENGE}
  WHERE id = ? AND status = 'pending' AND expires_at > ?`;

/**
 * What ANSWER_REQUEST makes of a pending request as created: the same record
 * that reading its row back would give (an answer handed over is not stored).
 */
function answered(created: RequestRecord, answer: AnswerInput, handed: StoredAnswer | null): RequestRecord {
  return {
    ...created,
    status: answer.status,
    answer: handed ? null : answer.answer,
    answeredBy: answer.answeredBy,
    answeredAt: answer.answeredAt,
    deliveredAt: handed ? answer.answeredAt : null,
    challenge: withoutAuthUrl(created.challenge),
  };
}

/** A challenge as WIPED_CHALLENGE leaves it. */
function withoutAuthUrl(challenge: RequestRecord["challenge"]): RequestRecord["challenge"] {
  if (!("authUrl" in challenge)) return challenge;
  const wiped = { ...challenge };
  delete wiped.authUrl;
  return wiped;
}

/**
 * The embedded store: one SQLite file (`countersign.db`) in the data
 * directory, WAL mode, `secure_delete` on and a truncating checkpoint within
 * `WIPE_CHECKPOINT_DELAY_MS` of every wipe (and on open) so delivered and
 * expired codes leave no bytes behind in the database, its WAL or a journal.
 * Waiters are woken by an in-process emitter after each commit, which is
 * enough because one process owns the file.
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private readonly events = new EventEmitter();
  /** Prepared statements by SQL text: preparing costs more than running most of them. */
  private readonly statements = new Map<string, Database.Statement>();
  private readonly devices = new RecordCache<DeviceRecord>();
  private readonly accounts = new RecordCache<AccountRecord>();
  /** Links by id and by token hash ("#" + hash); any link write clears it. */
  private readonly links = new RecordCache<LinkRecord>();
  /**
   * Requests this process created and that are still pending, as created
   * (frozen; the object the caller holds, so a waiting call costs no second
   * copy). A pending request changes only through this store's answer,
   * withdraw, take and sweep, each of which drops it first, so reading one
   * here is reading the file: the CI call's wait and the phone's answer find
   * the request without a second SELECT. No answer is ever in it.
   */
  private readonly pending = new Map<string, RequestRecord>();
  /**
   * Nonces accepted but not yet in the file, with when each expires. They are
   * written by the next transaction — for a signed answer, the answer's own,
   * so the answer and the nonce that authorised it commit together — or, when
   * no transaction comes, by one of their own at the end of this event-loop
   * turn (`nonceFlush`). One commit per round trip fewer.
   */
  private readonly unsavedNonces = new Map<string, number>();
  private nonceFlush: NodeJS.Immediate | null = null;
  /** A wipe's checkpoint, coalesced: set while one is scheduled. */
  private checkpointPending: NodeJS.Timeout | null = null;
  /** Commits since the last checkpoint, and the checkpoint scheduled after them (CHECKPOINT_EVERY_COMMITS). */
  private commits = 0;
  private walCheckpoint: NodeJS.Immediate | null = null;
  /** Commits since the WAL's last flush ahead of the checkpoint (`WAL_SYNC_EVERY_COMMITS`). */
  private unsyncedCommits = 0;
  /** A read-only descriptor of the WAL file, for `syncWal`; opened at its first flush. */
  private walFd: number | null = null;
  /** The flush in flight, if any (`close` waits for it before closing its descriptor). */
  private walSyncing: Promise<void> | null = null;

  private constructor(
    db: Database.Database,
    private readonly file: string,
  ) {
    this.db = db;
    this.events.setMaxListeners(0);
  }

  /** Opens (creating if needed) the database in `dataDir`. */
  static open(dataDir: string): SqliteStore {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, "countersign.db");
    // Owner-only (0600) before SQLite opens it: SQLite gives the -wal and -shm files
    // the database file's mode, so they are created 0600 as well.
    closeSync(openSync(file, "a", 0o600));
    for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("secure_delete = ON");
    // WAL + NORMAL: a commit is durable once it is in the WAL, which the OS
    // keeps across a crash or SIGKILL of this process; only a power loss or
    // kernel crash can lose the last commits (see docs/server.md).
    db.pragma("synchronous = NORMAL");
    db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    db.exec(SCHEMA);
    addMissingColumns(db);
    nonceTableWithoutRowid(db);
    // A crash between a wipe and its (coalesced) checkpoint left the wiped bytes in the WAL.
    db.pragma("wal_checkpoint(TRUNCATE)");
    return new SqliteStore(db, file);
  }

  /** The database file's path (tests read it raw). */
  get path(): string {
    return this.file;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private run(sql: string, ...params: unknown[]) {
    return this.statement(sql).run(...params);
  }

  /**
   * The first row, with libsql's `get`: no iterator and no 100-row buffer as
   * `all` makes. The libsql this store was first written against left a
   * cached statement mid-step after `get`, which blocked the next COMMIT ("SQL
   * statements in progress"); the one in use (0.5.29) resets it, and the
   * store contract's transactions would fail if a version did not. Its rows
   * carry a `_metadata` field, which the row readers here ignore.
   */
  private get<T>(sql: string, ...params: unknown[]): T | undefined {
    return (this.statement(sql).get(...params) ?? undefined) as T | undefined;
  }

  private all<T>(sql: string, ...params: unknown[]): T[] {
    return this.statement(sql).all(...params) as T[];
  }

  /** Runs `work` in one transaction (with cached BEGIN/COMMIT statements: libsql's `transaction` re-parses them). */
  private tx<T>(work: () => T): T {
    this.run("BEGIN");
    try {
      const saved = this.writeNonces();
      const result = work();
      this.run("COMMIT");
      // Forgotten only once committed: a rolled back transaction leaves them for the next one.
      if (saved) this.unsavedNonces.clear();
      if (++this.commits >= CHECKPOINT_EVERY_COMMITS) this.checkpointSoon();
      if (++this.unsyncedCommits >= WAL_SYNC_EVERY_COMMITS) this.syncWal();
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.run("ROLLBACK");
      throw error;
    }
  }

  /** Sets the patched fields of an audit entry in place (one statement, no read). */
  private patchAudit(id: string, patch: AuditPatch) {
    const paths: string[] = [];
    const values: unknown[] = [];
    for (const field of Object.keys(AUDIT_PATHS) as (keyof AuditPatch)[]) {
      if (!(field in patch) || patch[field] === undefined) continue;
      // json(?) so that objects and null are stored as JSON, not as a string.
      paths.push(`'${AUDIT_PATHS[field]}', json(?)`);
      values.push(JSON.stringify(patch[field]));
    }
    if (paths.length > 0)
      this.run(`UPDATE audit SET entry = json_set(entry, ${paths.join(", ")}) WHERE id = ?`, ...values, id);
  }

  private patch(
    table: string,
    columns: Record<string, readonly [string, (v: unknown) => unknown]>,
    id: string,
    patch: object,
  ) {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [field, value] of Object.entries(patch)) {
      const column = columns[field];
      if (!column || value === undefined) continue;
      sets.push(`${column[0]} = ?`);
      values.push(column[1](value));
    }
    if (sets.length > 0) this.run(`UPDATE ${table} SET ${sets.join(", ")} WHERE id = ?`, ...values, id);
  }

  /** Moves the WAL into the database file and truncates it, so wiped bytes do not linger in the WAL. */
  private checkpointNow() {
    if (this.checkpointPending) {
      clearTimeout(this.checkpointPending);
      this.checkpointPending = null;
    }
    this.cancelWalCheckpoint();
    this.statement("PRAGMA wal_checkpoint(TRUNCATE)").all();
  }

  /**
   * The WAL's routine checkpoint, after the current event-loop turn: the
   * commit's caller has written its answer by then (and a CI call handed the
   * approval its code). PASSIVE: with no other connection it copies every
   * page, and the next commit starts the WAL over from its beginning.
   */
  private checkpointSoon() {
    this.walCheckpoint ??= setImmediate(() => {
      this.walCheckpoint = null;
      this.commits = 0;
      if (this.db.open) this.statement("PRAGMA wal_checkpoint(PASSIVE)").all();
    });
  }

  /**
   * Flushes the WAL's written pages to the disk off the event loop
   * (`WAL_SYNC_EVERY_COMMITS`), so that the checkpoint's own fsync finds little
   * left to write. One at a time: commits made meanwhile wait for the next one.
   * A failure (the WAL file gone, an I/O error) changes nothing but that the
   * checkpoint writes those pages itself, as it did before.
   */
  private syncWal() {
    if (this.walSyncing) return;
    this.unsyncedCommits = 0;
    if (this.walFd === null) {
      try {
        this.walFd = openSync(`${this.file}-wal`, "r");
      } catch {
        return;
      }
    }
    const fd = this.walFd;
    this.walSyncing = new Promise((resolve) =>
      fdatasync(fd, () => {
        this.walSyncing = null;
        resolve();
      }),
    );
  }

  private cancelWalCheckpoint() {
    if (this.walCheckpoint) clearImmediate(this.walCheckpoint);
    this.walCheckpoint = null;
    this.commits = 0;
  }

  /**
   * Schedules the wipe's checkpoint `WIPE_CHECKPOINT_DELAY_MS` after the first
   * wipe not yet checkpointed; every later wipe until then shares it. A crash
   * in between is covered by the checkpoint on open, a clean stop by `close`.
   */
  private checkpoint() {
    if (this.checkpointPending) return;
    this.checkpointPending = setTimeout(() => {
      this.checkpointPending = null;
      if (this.db.open) this.checkpointNow();
    }, WIPE_CHECKPOINT_DELAY_MS);
  }

  async getSetting(key: string) {
    return this.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", key)?.value ?? null;
  }

  async setSetting(key: string, value: string) {
    this.run(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  async createSetting(key: string, value: string) {
    this.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value);
    return (this.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", key) as { value: string }).value;
  }

  async claimSetting(key: string, expected: string) {
    const claimed = this.run("DELETE FROM settings WHERE key = ? AND value = ?", key, expected).changes === 1;
    if (claimed) this.checkpoint();
    return claimed;
  }

  async createDevice(device: DeviceRecord) {
    this.devices.drop(device.id);
    this.run(
      "INSERT INTO devices (id, name, public_key, created_at, last_seen_at, push, passkey) VALUES (?, ?, ?, ?, ?, ?, ?)",
      device.id,
      device.name,
      JSON.stringify(device.publicKey),
      device.createdAt,
      device.lastSeenAt,
      device.push ? JSON.stringify(device.push) : null,
      device.passkey ? JSON.stringify(device.passkey) : null,
    );
  }

  async getDevice(id: string) {
    return this.devices.read(id, () => {
      const row = this.get<DeviceRow>("SELECT * FROM devices WHERE id = ?", id);
      return row ? toDevice(row) : null;
    });
  }

  async listDevices() {
    return this.all<DeviceRow>("SELECT * FROM devices ORDER BY created_at, id").map(toDevice);
  }

  async updateDevice(id: string, patch: Partial<Pick<DeviceRecord, "name" | "lastSeenAt" | "push" | "passkey">>) {
    this.devices.drop(id);
    this.patch("devices", DEVICE_COLUMNS, id, patch);
  }

  async deleteDevice(id: string) {
    this.devices.drop(id);
    this.accounts.clear();
    this.tx(() => {
      this.run("DELETE FROM devices WHERE id = ?", id);
      for (const row of this.all<AccountRow>("SELECT * FROM accounts")) {
        const ids: string[] = JSON.parse(row.device_ids);
        if (ids.includes(id)) {
          this.run(
            "UPDATE accounts SET device_ids = ? WHERE id = ?",
            JSON.stringify(ids.filter((d) => d !== id)),
            row.id,
          );
        }
      }
    });
  }

  /**
   * A nonce is new if neither the file nor the nonces waiting for the next
   * commit hold it. It is written with the next transaction (see
   * `unsavedNonces`): for the phone's answer, the answer's own, so an answer
   * that survives a crash took its nonce with it and its replay is refused
   * after a restart as before.
   */
  async rememberNonce(key: string, expiresAt: number) {
    if (this.unsavedNonces.has(key)) return false;
    if (this.get("SELECT 1 AS found FROM nonces WHERE key = ?", key)) return false;
    this.unsavedNonces.set(key, expiresAt);
    this.nonceFlush ??= setImmediate(() => {
      this.nonceFlush = null;
      if (this.db.open && this.unsavedNonces.size > 0) this.tx(() => undefined);
    });
    return true;
  }

  /** Writes the accepted nonces inside the current transaction; whether there were any. */
  private writeNonces(): boolean {
    if (this.unsavedNonces.size === 0) return false;
    for (const [key, expiresAt] of this.unsavedNonces) {
      this.run("INSERT INTO nonces (key, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", key, expiresAt);
    }
    return true;
  }

  async createInvite(invite: InviteRecord) {
    this.run(
      "INSERT INTO invites (code_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)",
      invite.codeHash,
      invite.createdBy,
      invite.createdAt,
      invite.expiresAt,
    );
  }

  async claimInvite(codeHash: string, now: number) {
    const row = this.get<{ code_hash: string; created_by: string; created_at: number; expires_at: number }>(
      "DELETE FROM invites WHERE code_hash = ? AND expires_at > ? RETURNING *",
      codeHash,
      now,
    );
    return row
      ? { codeHash: row.code_hash, createdBy: row.created_by, createdAt: row.created_at, expiresAt: row.expires_at }
      : null;
  }

  async listInvites(now: number) {
    return this.all<{ code_hash: string; created_by: string; created_at: number; expires_at: number }>(
      "SELECT * FROM invites WHERE expires_at > ? ORDER BY created_at, code_hash",
      now,
    ).map((row) => ({
      codeHash: row.code_hash,
      createdBy: row.created_by,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }));
  }

  async deleteInvite(codeHash: string) {
    return this.run("DELETE FROM invites WHERE code_hash = ?", codeHash).changes === 1;
  }

  async createAccount(account: AccountRecord) {
    this.accounts.drop(account.id);
    this.run(
      "INSERT INTO accounts (id, issuer, label, created_at, device_ids) VALUES (?, ?, ?, ?, ?)",
      account.id,
      account.issuer,
      account.label,
      account.createdAt,
      JSON.stringify(account.deviceIds),
    );
  }

  async getAccount(id: string) {
    return this.accounts.read(id, () => {
      const row = this.get<AccountRow>("SELECT * FROM accounts WHERE id = ?", id);
      return row ? toAccount(row) : null;
    });
  }

  async listAccounts() {
    return this.all<AccountRow>("SELECT * FROM accounts ORDER BY created_at, id").map(toAccount);
  }

  async updateAccount(id: string, patch: Partial<Pick<AccountRecord, "issuer" | "label" | "deviceIds">>) {
    this.accounts.drop(id);
    this.patch("accounts", ACCOUNT_COLUMNS, id, patch);
  }

  async deleteAccount(id: string) {
    this.accounts.drop(id);
    this.run("DELETE FROM accounts WHERE id = ?", id);
  }

  async createLink(link: LinkRecord) {
    this.links.clear();
    this.run(
      `INSERT INTO links (id, account_id, name, token_hash, token_hint, created_at, last_used_at, paused, revoked_at,
         policy)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      link.id,
      link.accountId,
      link.name,
      link.tokenHash,
      link.tokenHint,
      link.createdAt,
      link.lastUsedAt,
      link.paused ? 1 : 0,
      link.revokedAt,
      link.policy ? JSON.stringify(link.policy) : null,
    );
  }

  async getLink(id: string) {
    return this.links.read(id, () => {
      const row = this.get<LinkRow>("SELECT * FROM links WHERE id = ?", id);
      return row ? toLink(row) : null;
    });
  }

  async findLinkByTokenHash(tokenHash: string) {
    return this.links.read(`#${tokenHash}`, () => {
      const row = this.get<LinkRow>("SELECT * FROM links WHERE token_hash = ?", tokenHash);
      return row ? toLink(row) : null;
    });
  }

  async listLinks(accountId: string) {
    return this.all<LinkRow>("SELECT * FROM links WHERE account_id = ? ORDER BY created_at, id", accountId).map(toLink);
  }

  async updateLink(
    id: string,
    patch: Partial<Pick<LinkRecord, "name" | "paused" | "revokedAt" | "lastUsedAt" | "policy">>,
  ) {
    this.links.clear();
    this.patch("links", LINK_COLUMNS, id, patch);
  }

  /** Which limit a new request of `linkId` would break at `limits.now`, if any (read inside the caller's transaction). */
  private limitRefusal(linkId: string, limits: RequestLimits): LimitRefusal | null {
    const { now } = limits;
    const pending = this.get<{ pending: number; oldest: number | null }>(
      `SELECT COUNT(*) AS pending, MIN(expires_at) AS oldest FROM requests
       WHERE link_id = ? AND status = 'pending' AND expires_at > ?`,
      linkId,
      now,
    );
    if ((pending?.pending ?? 0) >= limits.maxPending) {
      return { limit: "pending", pending: pending?.pending ?? 0, retryAt: pending?.oldest ?? now };
    }
    // The maxPerHour-th newest request of the hour, if there is one, leaves it first for this request.
    const boundary = this.get<{ created_at: number }>(
      `SELECT created_at FROM requests WHERE link_id = ? AND created_at > ?
       ORDER BY created_at DESC LIMIT 1 OFFSET ?`,
      linkId,
      now - HOUR_MS,
      limits.maxPerHour - 1,
    );
    if (boundary) {
      const oldest = this.get<{ oldest: number }>(
        "SELECT MIN(created_at) AS oldest FROM requests WHERE link_id = ? AND created_at > ?",
        linkId,
        now - HOUR_MS,
      );
      return { limit: "hourly", retryAt: (oldest?.oldest ?? boundary.created_at) + HOUR_MS };
    }
    return null;
  }

  createRequest(request: RequestRecord, audit?: AuditRecord): Promise<{ request: RequestRecord; created: boolean }>;
  createRequest(
    request: RequestRecord,
    audit: AuditRecord | undefined,
    limits: RequestLimits,
  ): Promise<CreateRequestOutcome>;
  async createRequest(
    request: RequestRecord,
    audit?: AuditRecord,
    limits?: RequestLimits,
  ): Promise<CreateRequestOutcome> {
    const details: RequestDetails = {
      package: request.package,
      context: request.context,
      oidcToken: request.oidcToken,
      verified: request.verified,
      publicKey: request.publicKey,
      requester: request.requester,
    };
    const values = [
      request.id,
      request.linkId,
      request.accountId,
      request.idempotencyKey,
      JSON.stringify(details),
      request.createdAt,
      request.expiresAt,
      request.status,
      request.answer ? JSON.stringify(request.answer) : null,
      request.answeredBy ? JSON.stringify(request.answeredBy) : null,
      request.answeredAt,
      request.deliveredAt,
      request.operation ? JSON.stringify(request.operation) : null,
      JSON.stringify(request.challenge),
      request.run?.seconds ?? null,
    ];
    const created = this.tx((): boolean | LimitRefusal => {
      // With limits, one statement checks them and inserts (the common case); only when it
      // inserts nothing does a second look tell a joined request from a refusal.
      const inserted = limits
        ? this.run(
            INSERT_REQUEST_WITHIN_LIMITS,
            ...values,
            request.linkId,
            limits.now,
            limits.maxPending,
            request.linkId,
            limits.now - HOUR_MS,
            limits.maxPerHour - 1,
          )
        : this.run(INSERT_REQUEST, ...values);
      if (inserted.changes === 1) {
        if (audit) this.insertAudit(audit);
        return true;
      }
      if (!limits) return false;
      const joined =
        request.idempotencyKey !== null &&
        this.get(
          "SELECT id FROM requests WHERE link_id = ? AND idempotency_key = ?",
          request.linkId,
          request.idempotencyKey,
        );
      if (joined) return false;
      const refusal = this.limitRefusal(request.linkId, limits);
      if (!refusal) throw new Error("a request within its limits and without a conflict was not inserted");
      return refusal;
    });
    if (typeof created === "object") return { created: false as const, refused: created };
    if (created) {
      if (this.pending.size < CACHE_LIMIT && request.status === "pending")
        this.pending.set(request.id, deepFreeze(request));
      return { request, created: true };
    }
    const existing = this.get<RequestRow>(
      "SELECT * FROM requests WHERE link_id = ? AND idempotency_key = ?",
      request.linkId,
      request.idempotencyKey,
    );
    if (!existing) throw new Error("request insert conflicted but no existing request was found");
    return { request: toRequest(existing), created: false };
  }

  private readRequest(id: string): RequestRecord | null {
    const pending = this.pending.get(id);
    if (pending) return pending;
    const row = this.get<RequestRow>("SELECT * FROM requests WHERE id = ?", id);
    return row ? toRequest(row) : null;
  }

  async getRequest(id: string) {
    return this.readRequest(id);
  }

  async findRequestByIdempotencyKey(linkId: string, idempotencyKey: string) {
    const row = this.get<RequestRow>(
      "SELECT * FROM requests WHERE link_id = ? AND idempotency_key = ?",
      linkId,
      idempotencyKey,
    );
    return row ? toRequest(row) : null;
  }

  async listPendingRequests(accountIds: string[], now: number) {
    if (accountIds.length === 0) return [];
    const marks = accountIds.map(() => "?").join(", ");
    return this.all<RequestRow>(
      `SELECT * FROM requests WHERE status = 'pending' AND expires_at > ? AND account_id IN (${marks})
       ORDER BY created_at, id`,
      now,
      ...accountIds,
    ).map(toRequest);
  }

  async countLinkRequests(linkId: string, since: number, now: number) {
    // Two range scans of indexes (requests_link, requests_link_pending): the cost follows the
    // link's requests of the last hour and its pending ones, not all it ever had.
    const recent = this.get<{ total: number; oldest: number | null }>(
      "SELECT COUNT(*) AS total, MIN(created_at) AS oldest FROM requests WHERE link_id = ? AND created_at >= ?",
      linkId,
      since,
    );
    const pending = this.get<{ pending: number; oldest: number | null }>(
      `SELECT COUNT(*) AS pending, MIN(expires_at) AS oldest FROM requests
       WHERE link_id = ? AND status = 'pending' AND expires_at > ?`,
      linkId,
      now,
    );
    return {
      total: recent?.total ?? 0,
      pending: pending?.pending ?? 0,
      oldestPendingExpiresAt: pending?.oldest ?? null,
      oldestCreatedAt: recent?.oldest ?? null,
    };
  }

  async answerRequest(
    id: string,
    answer: AnswerInput,
    audit?: AuditPatch,
    handOver?: AuditPatch,
  ): Promise<AnswerOutcome> {
    const created = this.pending.get(id);
    this.pending.delete(id);
    // With a CI call waiting here, the approval is its delivery: the answer never reaches the
    // file (no wipe, no checkpoint) and the take's commit is saved.
    const handed =
      handOver && answer.status === "approved" && answer.answer && this.events.listenerCount(id) > 0
        ? answer.answer
        : null;
    const values = [
      answer.status,
      answer.answer && !handed ? JSON.stringify(answer.answer) : null,
      JSON.stringify(answer.answeredBy),
      answer.answeredAt,
      handed ? answer.answeredAt : null,
      id,
      answer.answeredAt,
    ];
    const won = this.tx((): RequestRecord | undefined => {
      // A request still held as created needs no row back: what the UPDATE made of it is known.
      let request: RequestRecord | undefined;
      if (created) {
        if (this.run(ANSWER_REQUEST, ...values).changes === 1) request = answered(created, answer, handed);
      } else {
        const row = this.get<RequestRow>(`${ANSWER_REQUEST} RETURNING *`, ...values);
        request = row && toRequest(row);
      }
      if (request && (audit || handed)) this.patchAudit(id, { ...audit, ...(handed ? handOver : {}) });
      return request;
    });
    return this.settle(id, won, handed);
  }

  async withdrawRequest(id: string, audit?: AuditPatch): Promise<AnswerOutcome> {
    this.pending.delete(id);
    const withdrawn = this.tx(() => {
      const row = this.get<RequestRow>(
        `UPDATE requests SET status = 'expired', answer = NULL, challenge = ${WIPED_CHALLENGE}
         WHERE id = ? AND status = 'pending' RETURNING *`,
        id,
      );
      if (row && audit) this.patchAudit(id, audit);
      return row && toRequest(row);
    });
    return this.settle(id, withdrawn);
  }

  /** After a compare-and-set: wakes the waiters of the one that won, or reads how the request stands. */
  private settle(id: string, won: RequestRecord | undefined, handed: StoredAnswer | null = null): AnswerOutcome {
    if (won) {
      // A web challenge's authUrl was wiped: its bytes leave the WAL with the checkpoint.
      if (won.challenge.type === "web") this.checkpoint();
      const request = deepFreeze(won);
      if (handed) {
        // The first waiter gets the answer; any other finds it delivered, as after a take.
        const [first, ...others] = this.events.listeners(id) as ((request: RequestRecord) => void)[];
        first?.(deepFreeze({ ...request, answer: handed }));
        for (const waiter of others) waiter(request);
      } else {
        this.events.emit(id, request);
      }
      return { ok: true, request };
    }
    const request = this.readRequest(id);
    if (!request) throw new Error(`request ${id} does not exist`);
    return { ok: false, request };
  }

  async takeAnswer(id: string, now: number, audit?: AuditPatch) {
    this.pending.delete(id);
    const taken = this.tx(() => {
      const row = this.get<RequestRow>(
        "SELECT * FROM requests WHERE id = ? AND status = 'approved' AND answer IS NOT NULL",
        id,
      );
      if (!row) return null;
      this.run("UPDATE requests SET answer = NULL, delivered_at = ? WHERE id = ?", now, id);
      if (audit) this.patchAudit(id, audit);
      return { ...row, delivered_at: now };
    });
    if (!taken) return null;
    this.checkpoint();
    return toRequest(taken);
  }

  /**
   * Not an async function: a waiting CI call holds this wait for minutes, and
   * one closure (the commit's event, the timer and the early end all call it)
   * costs less than a suspended async function with its promise and two
   * closures (docs/server.md "Memory").
   */
  waitForAnswer(id: string, timeoutMs: number, signal?: WaitSignal): Promise<RequestRecord | null> {
    let current: RequestRecord | null;
    try {
      current = this.readRequest(id);
    } catch (error) {
      return Promise.reject(error);
    }
    if (current?.status !== "pending" || timeoutMs <= 0 || signal?.aborted) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      // Woken by a commit, the waiter gets the request as that commit left it (no re-read);
      // by the timer or the early end (an AbortSignal passes an Event), it reads it again.
      const done = (changed?: unknown) => {
        clearTimeout(timer);
        this.events.off(id, done);
        signal?.removeEventListener("abort", done);
        if (isRequestRecord(changed)) return resolve(changed);
        try {
          resolve(this.readRequest(id));
        } catch (error) {
          reject(error);
        }
      };
      const timer = setTimeout(done, timeoutMs);
      this.events.on(id, done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async sweep(now: number) {
    this.pending.clear();
    const expired = this.tx(() => {
      const rows = this.all<RequestRow>(
        `UPDATE requests SET status = 'expired', answer = NULL, challenge = ${WIPED_CHALLENGE}
         WHERE status = 'pending' AND expires_at <= ? RETURNING *`,
        now,
      );
      this.run("UPDATE requests SET answer = NULL WHERE answer IS NOT NULL AND expires_at <= ?", now);
      this.run("DELETE FROM requests WHERE expires_at <= ?", now - REQUEST_RETENTION_MS);
      this.run("DELETE FROM nonces WHERE expires_at <= ?", now);
      this.run("DELETE FROM invites WHERE expires_at <= ?", now);
      this.run(
        `DELETE FROM audit WHERE (at <= ? AND json_extract(entry, '$.requestId') IS NOT NULL)
           OR (at <= ? AND json_extract(entry, '$.requestId') IS NULL)`,
        now - AUDIT_RETENTION_MS,
        now - REFUSAL_RETENTION_MS,
      );
      return rows;
    });
    this.checkpoint();
    const requests = expired.map((row) => deepFreeze(toRequest(row)));
    for (const request of requests) this.events.emit(request.id, request);
    return requests;
  }

  async addAudit(entry: AuditRecord) {
    this.insertAudit(entry);
  }

  private insertAudit(entry: AuditRecord) {
    this.run(
      "INSERT INTO audit (id, account_id, at, entry) VALUES (?, ?, ?, ?)",
      entry.id,
      entry.accountId,
      entry.at,
      JSON.stringify(entry),
    );
  }

  async countRefusal(entry: AuditRecord) {
    this.run(
      `INSERT INTO audit (id, account_id, at, entry) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET entry = json_set(entry,
         '$.count', coalesce(json_extract(entry, '$.count'), 1) + 1, '$.lastAt', ?)`,
      entry.id,
      entry.accountId,
      entry.at,
      JSON.stringify(entry),
      entry.at,
    );
  }

  async updateAudit(id: string, patch: AuditPatch) {
    this.patchAudit(id, patch);
  }

  async listAudit(accountId: string, limit: number, kind?: AuditKind) {
    const only =
      kind === "requests"
        ? "AND json_extract(entry, '$.requestId') IS NOT NULL"
        : kind === "refusals"
          ? "AND json_extract(entry, '$.requestId') IS NULL"
          : "";
    return this.all<{ entry: string }>(
      `SELECT entry FROM audit WHERE account_id = ? ${only} ORDER BY at DESC, id DESC LIMIT ?`,
      accountId,
      limit,
    ).map((row) => JSON.parse(row.entry) as AuditRecord);
  }

  async addSecurityEvent(event: SecurityEvent) {
    this.run(
      "INSERT INTO security_events (id, at, event) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
      event.id,
      event.at,
      JSON.stringify(event),
    );
  }

  async listSecurityEvents(limit: number, before?: number) {
    return this.all<{ event: string }>(
      "SELECT event FROM security_events WHERE at < ? ORDER BY at DESC, id DESC LIMIT ?",
      before ?? Number.MAX_SAFE_INTEGER,
      limit,
    ).map((row) => JSON.parse(row.event) as SecurityEvent);
  }

  async pruneSecurityEvents(before: number) {
    return this.run("DELETE FROM security_events WHERE at < ?", before).changes;
  }

  async close() {
    if (this.db.open) {
      if (this.nonceFlush) clearImmediate(this.nonceFlush);
      this.nonceFlush = null;
      if (this.unsavedNonces.size > 0) this.tx(() => undefined);
      this.checkpointNow();
      this.statements.clear();
      this.pending.clear();
      this.db.close();
    }
    // Ours is closed once no flush uses it (libsql keeps SQLite's own until its connection is collected).
    await this.walSyncing;
    if (this.walFd !== null) closeSync(this.walFd);
    this.walFd = null;
  }
}

/** What a commit hands a waiter (a request), as opposed to what an AbortSignal passes its listeners (an Event). */
function isRequestRecord(value: unknown): value is RequestRecord {
  return typeof value === "object" && value !== null && typeof (value as { status?: unknown }).status === "string";
}
