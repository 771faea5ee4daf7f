import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { expect, it } from "vitest";
import { requestRecord } from "./requestRecord.js";
import { CHECKPOINT_EVERY_COMMITS, SqliteStore, WAL_SYNC_EVERY_COMMITS } from "./SqliteStore.js";
import { runStoreContract } from "./storeContract.js";

/** A code request that names no package and no CI context. */
const pendingRequest = (id: string) => requestRecord(id, { package: null, context: null });

/**
 * A data directory as an older release left it: one table created by `createTable`
 * and holding `row`. Returns the directory.
 */
function oldDataFile(createTable: string, row: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  const old = new Database(join(dir, "countersign.db"));
  old.exec(createTable);
  const table = /^CREATE TABLE (\w+)/.exec(createTable)?.[1];
  old.prepare(`INSERT INTO ${table} VALUES (${row.map(() => "?").join(", ")})`).run(...row);
  old.close();
  return dir;
}

runStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  return { store: SqliteStore.open(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

it("keeps its data across a reopen of the same directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  const first = SqliteStore.open(dir);
  await first.setSetting("k", "v");
  await first.close();
  const second = SqliteStore.open(dir);
  expect(await second.getSetting("k")).toBe("v");
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});

it("upgrades a data file from before link policies: existing links keep working, without a policy", async () => {
  const dir = oldDataFile(
    `CREATE TABLE links (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
    token_hint TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER, paused INTEGER NOT NULL,
    revoked_at INTEGER)`,
    ["l1", "a1", "CI", "hash-1", "cs_abcd…", 1000, null, 0, null],
  );

  const store = SqliteStore.open(dir);
  expect(await store.findLinkByTokenHash("hash-1")).toMatchObject({ id: "l1", name: "CI", policy: null });
  const policy = {
    issuer: "https://gitlab.com",
    repository: "group/project",
    allowTags: true,
    hostedRunnersOnly: false,
  };
  await store.updateLink("l1", { policy });
  await store.close();
  const reopened = SqliteStore.open(dir);
  expect((await reopened.getLink("l1"))?.policy).toEqual(policy);
  await reopened.close();
  rmSync(dir, { recursive: true, force: true });
});

it("upgrades a data file from before the registry relay: its requests read as code requests", async () => {
  const details = { package: null, context: null, oidcToken: null, verified: null, publicKey: null, requester: {} };
  const dir = oldDataFile(
    `CREATE TABLE requests (
    id TEXT PRIMARY KEY, link_id TEXT NOT NULL, account_id TEXT NOT NULL, idempotency_key TEXT,
    details TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, status TEXT NOT NULL,
    answer TEXT, answered_by TEXT, answered_at INTEGER, delivered_at INTEGER,
    UNIQUE (link_id, idempotency_key))`,
    ["r1", "l1", "a1", null, JSON.stringify(details), 1000, 601_000, "pending", null, null, null, null],
  );

  const store = SqliteStore.open(dir);
  expect(await store.getRequest("r1")).toMatchObject({ operation: null, challenge: { type: "otp" }, run: null });
  expect(await store.withdrawRequest("r1")).toMatchObject({ ok: true, request: { status: "expired" } });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it("checkpoints the WAL itself every CHECKPOINT_EVERY_COMMITS commits, after the turn that committed, not inside it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  const store = SqliteStore.open(dir);
  const inDatabaseFile = (text: string) => readFileSync(join(dir, "countersign.db")).includes(text);
  const marker = (i: number) => `checkpoint-marker-${i}`;
  // All in one event-loop turn: the awaited calls finish synchronously.
  for (let i = 0; i < CHECKPOINT_EVERY_COMMITS; i++) {
    await store.createRequest(requestRecord(`r${i}`, { package: { name: marker(i), version: "1.0.0" } }));
  }
  // The last commit is in the WAL only: no commit copied the WAL back (as SQLite's automatic
  // checkpoint would have, inside whichever commit took the WAL past 1,000 pages).
  expect(inDatabaseFile(marker(CHECKPOINT_EVERY_COMMITS - 1))).toBe(false);
  await new Promise((resolve) => setImmediate(resolve));
  expect(inDatabaseFile(marker(CHECKPOINT_EVERY_COMMITS - 1))).toBe(true);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it.runIf(existsSync("/proc/self/fd"))(
  "flushes the WAL every WAL_SYNC_EVERY_COMMITS commits through a descriptor of its own, which close lets go of",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
    const store = SqliteStore.open(dir);
    const wal = `${store.path}-wal`;
    const walDescriptors = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === wal;
        } catch {
          return false; // closed since the listing
        }
      }).length;
    const sqlites = walDescriptors();
    expect(sqlites).toBeGreaterThan(0);
    for (let i = 0; i < WAL_SYNC_EVERY_COMMITS - 1; i++) await store.createRequest(requestRecord(`r${i}`));
    expect(walDescriptors()).toBe(sqlites);
    await store.createRequest(requestRecord("r-last"));
    expect(walDescriptors()).toBe(sqlites + 1);
    await store.close();
    // Ours is closed (libsql lets go of SQLite's own when its connection is collected).
    expect(walDescriptors()).toBeLessThanOrEqual(sqlites);
    rmSync(dir, { recursive: true, force: true });
  },
);

it("upgrades a data file's nonces to a table without rowids, keeping them: a replay is still refused", async () => {
  const dir = oldDataFile("CREATE TABLE nonces (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)", [
    "d1:old",
    400_000,
  ]);
  const store = SqliteStore.open(dir);
  expect(await store.rememberNonce("d1:old", 400_000)).toBe(false);
  expect(await store.rememberNonce("d1:new", 400_000)).toBe(true);
  await store.close();
  const raw = new Database(join(dir, "countersign.db"), { readonly: true });
  const table = raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'nonces'").get() as { sql: string };
  expect(table.sql).toMatch(/WITHOUT ROWID/);
  expect(raw.prepare("SELECT key FROM nonces ORDER BY key").all()).toEqual([{ key: "d1:new" }, { key: "d1:old" }]);
  raw.close();
  rmSync(dir, { recursive: true, force: true });
});

it("commits a device's nonce with the answer it authorised, and refuses its replay after a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  const store = SqliteStore.open(dir);
  const raw = new Database(join(dir, "countersign.db"), { readonly: true });
  const inFile = (key: string) => raw.prepare("SELECT key FROM nonces WHERE key = ?").all(key).length === 1;
  await store.createRequest(pendingRequest("r1"));

  expect(await store.rememberNonce("d1:answer", 400_000)).toBe(true);
  expect(await store.rememberNonce("d1:answer", 400_000)).toBe(false);
  const answeredBy = { deviceId: "d1", deviceName: "Phone" };
  const answer = { codes: [{ otp: "123456", notBefore: 0, notAfter: 30_000 }] };
  await store.answerRequest("r1", { status: "approved", answer, answeredBy, answeredAt: 2000 });
  // Read by another connection as soon as the answer is: the two are in one commit.
  expect(inFile("d1:answer")).toBe(true);

  // A signed call that writes nothing: its nonce is in the file once this event-loop turn ends.
  expect(await store.rememberNonce("d1:list", 400_000)).toBe(true);
  await new Promise((resolve) => setImmediate(resolve));
  expect(inFile("d1:list")).toBe(true);
  raw.close();
  await store.close();

  const restarted = SqliteStore.open(dir);
  expect(await restarted.rememberNonce("d1:answer", 400_000)).toBe(false);
  expect(await restarted.rememberNonce("d1:list", 400_000)).toBe(false);
  expect(await restarted.getRequest("r1")).toMatchObject({ status: "approved", answeredBy });
  await restarted.close();
  rmSync(dir, { recursive: true, force: true });
});

it("hands an approval to the CI call waiting for it in one commit: the code never reaches the files", async () => {
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  const store = SqliteStore.open(dir);
  const audit = (id: string) => ({
    id,
    accountId: "a1",
    at: 1000,
    requestId: id,
    linkId: "l1",
    linkName: "CI",
    package: null,
    claimed: null,
    verified: null,
    requester: { ip: "203.0.113.9", userAgent: null },
    outcome: "pending" as const,
    answeredBy: null,
    message: null,
  });
  await store.createRequest(pendingRequest("r1"), audit("r1"));
  await store.createRequest(pendingRequest("r2"), audit("r2"));
  const answeredBy = { deviceId: "d1", deviceName: "Phone" };
  const approval = (otp: string) => ({
    status: "approved" as const,
    answer: { codes: [{ otp, notBefore: 0, notAfter: 30_000 }] },
    answeredBy,
    answeredAt: 2000,
  });

  // Two calls wait for r1 (a CI call and its resume): one gets the code, the other finds it delivered.
  const first = store.waitForAnswer("r1", 60_000);
  const second = store.waitForAnswer("r1", 60_000);
  const won = await store.answerRequest(
    "r1",
    approval("918273"),
    { outcome: "approved", answeredBy },
    {
      outcome: "delivered",
    },
  );
  expect(won).toMatchObject({ ok: true, request: { status: "approved", answer: null, deliveredAt: 2000 } });
  expect(await first).toMatchObject({ answer: { codes: [{ otp: "918273" }] }, deliveredAt: 2000 });
  expect(await second).toMatchObject({ status: "approved", answer: null, deliveredAt: 2000 });
  expect(await store.takeAnswer("r1", 3000)).toBeNull();
  expect((await store.listAudit("a1", 10)).find((entry) => entry.id === "r1")).toMatchObject({
    outcome: "delivered",
    answeredBy,
  });

  // Nobody waits for r2: its answer is stored until CI takes it, as before.
  await store.answerRequest("r2", approval("564738"), { outcome: "approved", answeredBy }, { outcome: "delivered" });
  expect(await store.getRequest("r2")).toMatchObject({ answer: { codes: [{ otp: "564738" }] }, deliveredAt: null });
  expect((await store.takeAnswer("r2", 3000))?.answer).toMatchObject({ codes: [{ otp: "564738" }] });

  const files = ["countersign.db", "countersign.db-wal"].map((name) => join(dir, name)).filter(existsSync);
  expect(files.some((file) => readFileSync(file).includes("918273"))).toBe(false);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
