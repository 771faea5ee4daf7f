import { randomUUID } from "node:crypto";
import { type App, deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FirestoreStore } from "./FirestoreStore.js";
import { type FirestoreFake, startFirestoreFake } from "./firestore/startFirestoreFake.js";
import { requestRecord } from "./requestRecord.js";
import type { AccountRecord, LinkRecord, RequestRecord } from "./Store.js";
import { runStoreContract } from "./storeContract.js";

let fake: FirestoreFake;
const apps: App[] = [];

beforeAll(async () => {
  fake = await startFirestoreFake();
  process.env.FIRESTORE_EMULATOR_HOST = fake.host;
});

afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
  fake.stop();
});

/**
 * A store on its own project (so tests do not see each other's data), and
 * `peer()`: a second store with its own client on the same project, standing
 * in for another Cloud Functions instance that shares no memory with the first.
 */
function openStores() {
  const projectId = `demo-${randomUUID().slice(0, 8)}`;
  const open = () => {
    const app = initializeApp({ projectId }, randomUUID());
    apps.push(app);
    return new FirestoreStore(getFirestore(app));
  };
  return { store: open(), peer: open() };
}

runStoreContract("firestore", async () => {
  const app = initializeApp({ projectId: `demo-${randomUUID().slice(0, 8)}` }, randomUUID());
  return { store: new FirestoreStore(getFirestore(app)), cleanup: () => deleteApp(app) };
});

const T0 = Date.UTC(2026, 10, 22, 6, 0, 0);

const account = (id: string, deviceIds: string[] = ["d1"]): AccountRecord => ({
  id,
  issuer: "npm",
  label: "alice",
  createdAt: T0,
  deviceIds,
});

const link = (id: string, accountId: string, tokenHash = `hash-${id}`): LinkRecord => ({
  id,
  accountId,
  name: `link ${id}`,
  tokenHash,
  tokenHint: "cs_ab…",
  createdAt: T0,
  lastUsedAt: null,
  paused: false,
  revokedAt: null,
  policy: null,
});

const request = (id: string, fields: Partial<RequestRecord> = {}) =>
  requestRecord(id, { createdAt: T0, expiresAt: T0 + 600_000, ...fields });

const codes = (otp: string) => ({ codes: [{ otp, notBefore: T0, notAfter: T0 + 30_000 }] });
const by = (deviceId: string) => ({ deviceId, deviceName: `phone ${deviceId}` });

describe("FirestoreStore over the Firestore fake", () => {
  it("reports its kind for the health endpoint", () => {
    expect(openStores().store.kind).toBe("firestore");
  });

  it("lets exactly one of many concurrent answers win, and every loser sees the winner", async () => {
    const { store, peer } = openStores();
    await store.createRequest(request("r1"));
    const outcomes = await Promise.all(
      ["d1", "d2", "d3", "d4"].map((device, i) =>
        (i % 2 ? peer : store).answerRequest("r1", {
          status: i === 3 ? "denied" : "approved",
          answer: i === 3 ? null : codes(`00000${i}`),
          answeredBy: by(device),
          answeredAt: T0 + 1000,
        }),
      ),
    );
    const winners = outcomes.filter((o) => o.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]?.request;
    for (const loser of outcomes.filter((o) => !o.ok)) {
      expect(loser.request.status).toBe(winner?.status);
      expect(loser.request.answeredBy).toEqual(winner?.answeredBy);
    }
    const stored = await peer.getRequest("r1");
    expect(stored?.status).toBe(winner?.status);
    expect(stored?.answeredBy).toEqual(winner?.answeredBy);
  });

  it("refuses an answer after the request's time ran out", async () => {
    const { store } = openStores();
    await store.createRequest(request("r1"));
    const late = await store.answerRequest("r1", {
      status: "approved",
      answer: codes("123456"),
      answeredBy: by("d1"),
      answeredAt: T0 + 600_000,
    });
    expect(late.ok).toBe(false);
    expect((await store.getRequest("r1"))?.answer).toBeNull();
  });

  it("wakes a waiter on another instance once the answer is committed", async () => {
    const { store, peer } = openStores();
    await store.createRequest(request("r1"));
    // A wait far longer than the test may run: only the answer can end it (a timeout would return it pending).
    const waiting = store.waitForAnswer("r1", 600_000);
    // Not synchronisation: the peer answers once this instance is listening, the path under test.
    setTimeout(() => {
      void peer.answerRequest("r1", {
        status: "approved",
        answer: codes("424242"),
        answeredBy: by("d2"),
        answeredAt: T0 + 1000,
      });
    }, 200);
    const woken = await waiting;
    expect(woken?.status).toBe("approved");
    expect(woken?.answer).toEqual(codes("424242"));
  });

  it("sees an answer committed before the wait began at once, and ends waits on timeout and abort", async () => {
    const { store } = openStores();
    await store.createRequest(request("r1"));
    await store.createRequest(request("r2"));
    await store.answerRequest("r1", { status: "denied", answer: null, answeredBy: by("d1"), answeredAt: T0 + 1 });
    expect((await store.waitForAnswer("r1", 10_000))?.status).toBe("denied");

    const started = Date.now();
    expect((await store.waitForAnswer("r2", 300))?.status).toBe("pending");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);

    // Only the abort can end this wait within the test's run.
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    expect((await store.waitForAnswer("r2", 600_000, abort.signal))?.status).toBe("pending");

    expect(await store.waitForAnswer("nope", 1000)).toBeNull();
  });

  it("hands an answer out once and leaves no trace of the code in storage", async () => {
    const { store, peer } = openStores();
    await store.createRequest(request("r1"));
    await store.answerRequest("r1", {
      status: "approved",
      answer: codes("987654"),
      answeredBy: by("d1"),
      answeredAt: T0 + 1,
    });
    expect(fake.dump()).toContain("987654");
    const takes = await Promise.all([store, peer, store, peer].map((s) => s.takeAnswer("r1", T0 + 2000)));
    const taken = takes.filter((t) => t !== null);
    expect(taken).toHaveLength(1);
    expect(taken[0]?.answer).toEqual(codes("987654"));
    expect(taken[0]?.deliveredAt).toBe(T0 + 2000);
    expect(fake.dump()).not.toContain("987654");
    const stored = await store.getRequest("r1");
    expect(stored?.answer).toBeNull();
    expect(stored?.deliveredAt).toBe(T0 + 2000);
    expect(await store.takeAnswer("r1", T0 + 3000)).toBeNull();
  });

  it("joins a request created with the same idempotency key on the same link", async () => {
    const { store, peer } = openStores();
    const results = await Promise.all(
      ["r1", "r2", "r3"].map((id, i) => (i % 2 ? peer : store).createRequest(request(id, { idempotencyKey: "run-7" }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const ids = new Set(results.map((r) => r.request.id));
    expect(ids.size).toBe(1);
    expect((await store.findRequestByIdempotencyKey("l1", "run-7"))?.id).toBe([...ids][0]);
    expect(await store.findRequestByIdempotencyKey("l2", "run-7")).toBeNull();
    const other = await store.createRequest(request("r9", { linkId: "l2", idempotencyKey: "run-7" }));
    expect(other.created).toBe(true);
  });

  it("takes an idempotency key afresh when its request is already gone (TTL deletes in any order)", async () => {
    const { store } = openStores();
    await store.createRequest(request("old", { idempotencyKey: "run-8" }));
    const admin = getFirestore(apps[apps.length - 1] as App);
    await admin.collection("requests").doc("old").delete();
    const again = await store.createRequest(request("new", { idempotencyKey: "run-8" }));
    expect(again).toMatchObject({ created: true, request: { id: "new" } });
    expect((await store.findRequestByIdempotencyKey("l1", "run-8"))?.id).toBe("new");
  });

  it("lists pending requests of the given accounts, oldest first, and counts a link's requests", async () => {
    const { store } = openStores();
    await store.createRequest(request("r3", { createdAt: T0 + 3000, expiresAt: T0 + 603_000 }));
    await store.createRequest(request("r1", { createdAt: T0 + 1000, expiresAt: T0 + 601_000 }));
    await store.createRequest(request("r2", { createdAt: T0 + 2000, accountId: "a2" }));
    await store.createRequest(request("r4", { createdAt: T0 - 7_200_000, expiresAt: T0 - 6_600_000 }));
    await store.createRequest(request("r5", { linkId: "l2" }));
    await store.answerRequest("r3", { status: "denied", answer: null, answeredBy: by("d1"), answeredAt: T0 + 4000 });

    const pending = await store.listPendingRequests(["a1", "a2"], T0 + 5000);
    expect(pending.map((r) => r.id)).toEqual(["r5", "r1", "r2"]);
    expect(await store.listPendingRequests([], T0)).toEqual([]);
    expect((await store.listPendingRequests(["a1"], T0 + 600_500)).map((r) => r.id)).toEqual(["r1"]);

    const counts = await store.countLinkRequests("l1", T0 - 3_600_000, T0 + 5000);
    expect(counts).toEqual({ total: 3, pending: 2, oldestPendingExpiresAt: T0 + 600_000, oldestCreatedAt: T0 + 1000 });
  });

  it("sweeps: expires overdue requests and wakes their waiters, wipes undelivered codes, forgets old requests", async () => {
    const { store, peer } = openStores();
    await store.createRequest(request("overdue", { expiresAt: T0 + 1000 }));
    await store.createRequest(request("approved", { expiresAt: T0 + 1000, idempotencyKey: "k" }));
    await store.createRequest(request("fresh", { expiresAt: T0 + 600_000 }));
    await store.answerRequest("approved", {
      status: "approved",
      answer: codes("555111"),
      answeredBy: by("d1"),
      answeredAt: T0,
    });
    await store.rememberNonce("n-old", T0 + 500);
    await store.rememberNonce("n-new", T0 + 60_000);

    const waiting = peer.waitForAnswer("overdue", 10_000);
    const expired = await store.sweep(T0 + 2000);
    expect(expired.map((r) => [r.id, r.status])).toEqual([["overdue", "expired"]]);
    expect((await waiting)?.status).toBe("expired");
    expect((await store.getRequest("fresh"))?.status).toBe("pending");
    expect((await store.getRequest("approved"))?.answer).toBeNull();
    expect(fake.dump()).not.toContain("555111");
    expect(await store.takeAnswer("approved", T0 + 2000)).toBeNull();
    // Expiry is an answer too: a late approval loses.
    expect(
      (
        await store.answerRequest("overdue", {
          status: "approved",
          answer: codes("1"),
          answeredBy: by("d1"),
          answeredAt: T0,
        })
      ).ok,
    ).toBe(false);
    expect(await store.rememberNonce("n-old", T0 + 9000)).toBe(true);
    expect(await store.rememberNonce("n-new", T0 + 9000)).toBe(false);

    await store.sweep(T0 + 1000 + 24 * 3_600_000);
    expect(await store.getRequest("overdue")).toBeNull();
    expect(await store.getRequest("approved")).toBeNull();
    expect(await store.findRequestByIdempotencyKey("l1", "k")).toBeNull();
    expect((await store.createRequest(request("again", { idempotencyKey: "k" }))).created).toBe(true);
    expect(await store.getRequest("fresh")).not.toBeNull();
  });

  it("claims settings, nonces and invites once each, even when claimed concurrently", async () => {
    const { store, peer } = openStores();
    expect(await store.getSetting("setupCode")).toBeNull();
    await store.setSetting("setupCode", "ABCD-EFGH");
    await store.setSetting("setupCode", "WXYZ-2345");
    expect(await peer.getSetting("setupCode")).toBe("WXYZ-2345");
    expect(await store.claimSetting("setupCode", "ABCD-EFGH")).toBe(false);
    const claims = await Promise.all([store, peer, store, peer].map((s) => s.claimSetting("setupCode", "WXYZ-2345")));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.getSetting("setupCode")).toBeNull();
    await store.setSetting("setupCode", "WXYZ-2345");
    expect(await store.claimSetting("setupCode", "WXYZ-2345")).toBe(true);

    const nonces = await Promise.all([store, peer, store].map((s) => s.rememberNonce("dev/abc:nonce", T0 + 60_000)));
    expect(nonces.filter(Boolean)).toHaveLength(1);

    await store.createInvite({ codeHash: "h1", createdBy: "d1", createdAt: T0, expiresAt: T0 + 900_000 });
    await store.createInvite({ codeHash: "h2", createdBy: "d1", createdAt: T0, expiresAt: T0 + 900_000 });
    const invites = await Promise.all([store, peer, store].map((s) => s.claimInvite("h1", T0 + 1000)));
    expect(invites.filter((i) => i !== null)).toEqual([
      { codeHash: "h1", createdBy: "d1", createdAt: T0, expiresAt: T0 + 900_000 },
    ]);
    expect(await store.claimInvite("h2", T0 + 900_000)).toBeNull();
    expect(await store.claimInvite("unknown", T0)).toBeNull();
  });

  it("keeps devices, accounts and links, and removes a deleted device from its accounts", async () => {
    const { store } = openStores();
    const key = { kty: "EC", crv: "P-256", x: "x", y: "y" } as const;
    await store.createDevice({
      id: "d2",
      name: "tablet",
      publicKey: key,
      createdAt: T0 + 1,
      lastSeenAt: null,
      push: null,
    });
    await store.createDevice({ id: "d1", name: "phone", publicKey: key, createdAt: T0, lastSeenAt: null, push: null });
    await expect(
      store.createDevice({ id: "d1", name: "dup", publicKey: key, createdAt: T0, lastSeenAt: null, push: null }),
    ).rejects.toThrow();
    const push = { endpoint: "https://push.example/1", keys: { p256dh: "p", auth: "a" } };
    await store.updateDevice("d1", { lastSeenAt: T0 + 5, push });
    await store.updateDevice("missing", { name: "x" });
    expect(await store.getDevice("d1")).toEqual({
      id: "d1",
      name: "phone",
      publicKey: key,
      createdAt: T0,
      lastSeenAt: T0 + 5,
      push,
    });
    expect((await store.listDevices()).map((d) => d.id)).toEqual(["d1", "d2"]);

    await store.createAccount(account("a1", ["d1", "d2"]));
    await store.createAccount(account("a2", ["d2"]));
    await store.updateAccount("a2", { label: "bob" });
    await store.createLink(link("l1", "a1", "th-1"));
    await store.createLink({ ...link("l0", "a1", "th-0"), createdAt: T0 - 1 });
    await store.updateLink("l1", { paused: true, lastUsedAt: T0 + 9 });
    expect(await store.findLinkByTokenHash("th-1")).toMatchObject({ id: "l1", paused: true, lastUsedAt: T0 + 9 });
    expect(await store.findLinkByTokenHash("th-x")).toBeNull();
    expect((await store.listLinks("a1")).map((l) => l.id)).toEqual(["l0", "l1"]);

    await store.deleteDevice("d2");
    expect(await store.getDevice("d2")).toBeNull();
    expect((await store.getAccount("a1"))?.deviceIds).toEqual(["d1"]);
    expect(await store.getAccount("a2")).toMatchObject({ label: "bob", deviceIds: [] });
    await store.deleteAccount("a2");
    expect((await store.listAccounts()).map((a) => a.id)).toEqual(["a1"]);
  });

  it("keeps the audit log newest first and updates entries in place", async () => {
    const { store } = openStores();
    const entry = (id: string, at: number) => ({
      id,
      accountId: "a1",
      requestId: id,
      at,
      linkId: "l1",
      linkName: "ci",
      package: null,
      claimed: { repository: "owner/repo", sha: undefined },
      verified: null,
      requester: { ip: "203.0.113.7", userAgent: null },
      outcome: "pending" as const,
      answeredBy: null,
      message: null,
    });
    await store.addAudit(entry("e1", T0));
    await store.addAudit(entry("e3", T0 + 2));
    await store.addAudit(entry("e2", T0 + 1));
    await store.addAudit({ ...entry("e9", T0 + 9), accountId: "a2" });
    await store.updateAudit("e1", { outcome: "approved", answeredBy: by("d1") });
    const listed = await store.listAudit("a1", 2);
    expect(listed.map((e) => e.id)).toEqual(["e3", "e2"]);
    const all = await store.listAudit("a1", 10);
    expect(all.find((e) => e.id === "e1")).toMatchObject({ outcome: "approved", answeredBy: by("d1"), message: null });
    expect(all[0]?.claimed).toEqual({ repository: "owner/repo" });
  });
});
