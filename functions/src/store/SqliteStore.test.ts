import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { expect, it } from "vitest";
import { SqliteStore } from "./SqliteStore.js";
import { runStoreContract } from "./storeContract.js";

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
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  const old = new Database(join(dir, "countersign.db"));
  old.exec(`CREATE TABLE links (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
    token_hint TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER, paused INTEGER NOT NULL,
    revoked_at INTEGER)`);
  old
    .prepare("INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    .run("l1", "a1", "CI", "hash-1", "cs_abcd…", 1000, null, 0, null);
  old.close();

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
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  const old = new Database(join(dir, "countersign.db"));
  old.exec(`CREATE TABLE requests (
    id TEXT PRIMARY KEY, link_id TEXT NOT NULL, account_id TEXT NOT NULL, idempotency_key TEXT,
    details TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, status TEXT NOT NULL,
    answer TEXT, answered_by TEXT, answered_at INTEGER, delivered_at INTEGER,
    UNIQUE (link_id, idempotency_key))`);
  const details = { package: null, context: null, oidcToken: null, verified: null, publicKey: null, requester: {} };
  old
    .prepare("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    .run("r1", "l1", "a1", null, JSON.stringify(details), 1000, 601_000, "pending", null, null, null, null);
  old.close();

  const store = SqliteStore.open(dir);
  expect(await store.getRequest("r1")).toMatchObject({ operation: null, challenge: { type: "otp" }, run: null });
  expect(await store.withdrawRequest("r1")).toMatchObject({ ok: true, request: { status: "expired" } });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
