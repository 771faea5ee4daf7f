import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureVapidKeys } from "../push/PushSender.js";
import { requestRecord } from "./requestRecord.js";
import {
  type AccountRecord,
  type AnswerInput,
  AUDIT_RETENTION_MS,
  type AuditRecord,
  type DeviceRecord,
  type LinkRecord,
  REFUSAL_RETENTION_MS,
  type RequestRecord,
  type Store,
} from "./Store.js";

/**
 * The behaviour every Store must show (see the guarantees in Store.ts). A store
 * runs it from its own test file:
 *
 *   runStoreContract("sqlite", async () => ({ store: SqliteStore.open(dir), cleanup }));
 */
export function runStoreContract(
  name: string,
  makeStore: () => Promise<{ store: Store; cleanup?: () => Promise<void> }>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: (() => Promise<void>) | undefined;
    let counter = 0;
    const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    const device = (overrides: Partial<DeviceRecord> = {}): DeviceRecord => ({
      id: id("dev"),
      name: "Phone",
      publicKey: { kty: "EC", crv: "P-256", x: "x".repeat(43), y: "y".repeat(43) },
      createdAt: 1000,
      lastSeenAt: null,
      push: null,
      ...overrides,
    });
    const account = (deviceIds: string[]): AccountRecord => ({
      id: id("acc"),
      issuer: "npm",
      label: "alice",
      createdAt: 1000,
      deviceIds,
    });
    const link = (accountId: string): LinkRecord => ({
      id: id("link"),
      accountId,
      name: "CI",
      tokenHash: id("hash"),
      tokenHint: "cs_abcd…",
      createdAt: 1000,
      lastUsedAt: null,
      paused: false,
      revokedAt: null,
      policy: null,
    });
    const request = (linkId: string, accountId: string, overrides: Partial<RequestRecord> = {}) =>
      requestRecord(id("req"), { linkId, accountId, ...overrides });
    const codes = [{ otp: "123456", notBefore: 0, notAfter: 30_000 }];
    const auditEntry = (l: LinkRecord, overrides: Partial<AuditRecord> & Pick<AuditRecord, "id">): AuditRecord => ({
      accountId: l.accountId,
      at: 1000,
      requestId: null,
      linkId: l.id,
      linkName: l.name,
      package: null,
      claimed: null,
      verified: null,
      requester: { ip: "203.0.113.9", userAgent: null },
      outcome: "pending",
      answeredBy: null,
      message: null,
      ...overrides,
    });

    async function seed() {
      const d = device();
      await store.createDevice(d);
      const a = account([d.id]);
      await store.createAccount(a);
      const l = link(a.id);
      await store.createLink(l);
      return { d, a, l };
    }

    it("keeps and updates devices, accounts and links", async () => {
      const { d, a, l } = await seed();
      await store.updateDevice(d.id, {
        name: "Pixel",
        push: { endpoint: "https://fcm.googleapis.com/x", keys: { p256dh: "p", auth: "a" } },
      });
      expect(await store.getDevice(d.id)).toMatchObject({
        name: "Pixel",
        push: { endpoint: "https://fcm.googleapis.com/x" },
      });
      await store.updateDevice(d.id, { push: null });
      expect((await store.getDevice(d.id))?.push).toBeNull();
      await store.updateAccount(a.id, { label: "bob" });
      expect((await store.getAccount(a.id))?.label).toBe("bob");
      expect((await store.listAccounts()).map((x) => x.id)).toContain(a.id);
      await store.updateLink(l.id, { paused: true, name: "Release" });
      expect(await store.findLinkByTokenHash(l.tokenHash)).toMatchObject({ id: l.id, paused: true, name: "Release" });
      expect(await store.listLinks(a.id)).toHaveLength(1);
      expect(await store.findLinkByTokenHash("nope")).toBeNull();
    });

    it("keeps a link's policy, replaces it and removes it", async () => {
      const { a } = await seed();
      const policy = {
        issuer: "https://token.actions.githubusercontent.com",
        repository: "acme/rocket",
        ref: "refs/tags/v*",
        allowTags: false,
        workflow: "release.yml",
        hostedRunnersOnly: true,
      };
      const guarded = { ...link(a.id), policy };
      await store.createLink(guarded);
      expect((await store.getLink(guarded.id))?.policy).toEqual(policy);
      expect((await store.findLinkByTokenHash(guarded.tokenHash))?.policy).toEqual(policy);
      const replaced = { ...policy, repository: "acme/other", environment: "npm" };
      await store.updateLink(guarded.id, { policy: replaced, lastUsedAt: 5000 });
      expect(await store.getLink(guarded.id)).toMatchObject({ policy: replaced, lastUsedAt: 5000 });
      await store.updateLink(guarded.id, { paused: true });
      expect((await store.getLink(guarded.id))?.policy).toEqual(replaced);
      await store.updateLink(guarded.id, { policy: null });
      expect((await store.getLink(guarded.id))?.policy).toBeNull();
      expect((await store.listLinks(a.id)).map((l) => l.policy)).toEqual([null, null]);
    });

    it("keeps a device's passkey, its counter, and removes it", async () => {
      const { d } = await seed();
      expect((await store.getDevice(d.id))?.passkey ?? null).toBeNull();
      const passkey = {
        credentialId: "Y3JlZA",
        publicKey: "cHVibGlj",
        counter: 0,
        transports: ["internal"],
        createdAt: 2000,
      };
      await store.updateDevice(d.id, { passkey });
      expect((await store.getDevice(d.id))?.passkey).toEqual(passkey);
      await store.updateDevice(d.id, { lastSeenAt: 3000 });
      await store.updateDevice(d.id, { passkey: { ...passkey, counter: 7 } });
      expect(await store.getDevice(d.id)).toMatchObject({ lastSeenAt: 3000, passkey: { counter: 7 } });
      expect((await store.listDevices()).find((x) => x.id === d.id)?.passkey?.counter).toBe(7);
      await store.updateDevice(d.id, { passkey: null });
      expect((await store.getDevice(d.id))?.passkey ?? null).toBeNull();
    });

    it("deleting a device removes it from the accounts it held", async () => {
      const { d, a } = await seed();
      await store.deleteDevice(d.id);
      expect(await store.getDevice(d.id)).toBeNull();
      expect((await store.getAccount(a.id))?.deviceIds).toEqual([]);
    });

    it("settings can be claimed once", async () => {
      await store.setSetting("setupCode", "ABCD");
      expect(await store.getSetting("setupCode")).toBe("ABCD");
      expect(await store.claimSetting("setupCode", "WRONG")).toBe(false);
      const claims = await Promise.all([
        store.claimSetting("setupCode", "ABCD"),
        store.claimSetting("setupCode", "ABCD"),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.getSetting("setupCode")).toBeNull();
    });

    it("a setting created by racing callers holds one value, and every caller gets it", async () => {
      const values = await Promise.all(["a", "b", "c", "d"].map((value) => store.createSetting("race", value)));
      expect(new Set(values).size).toBe(1);
      expect(await store.getSetting("race")).toBe(values[0]);
      expect(await store.createSetting("race", "later")).toBe(values[0]);
    });

    it("instances starting together agree on one VAPID key pair, kept for good", async () => {
      const pairs = await Promise.all(Array.from({ length: 4 }, () => ensureVapidKeys(store)));
      expect(new Set(pairs.map((pair) => pair.publicKey)).size).toBe(1);
      expect(await ensureVapidKeys(store)).toEqual(pairs[0]);
    });

    it("a nonce is accepted once", async () => {
      expect(await store.rememberNonce("dev:n1", 10_000)).toBe(true);
      expect(await store.rememberNonce("dev:n1", 10_000)).toBe(false);
      expect(await store.rememberNonce("dev:n2", 10_000)).toBe(true);
    });

    it("lists unexpired invites oldest first and deletes one", async () => {
      await store.createInvite({ codeHash: "i2", createdBy: "d2", createdAt: 20, expiresAt: 1000 });
      await store.createInvite({ codeHash: "i1", createdBy: "d1", createdAt: 10, expiresAt: 1000 });
      await store.createInvite({ codeHash: "i3", createdBy: "d1", createdAt: 30, expiresAt: 500 });
      expect((await store.listInvites(400)).map((invite) => invite.codeHash)).toEqual(["i1", "i2", "i3"]);
      expect(await store.listInvites(500)).toEqual([
        { codeHash: "i1", createdBy: "d1", createdAt: 10, expiresAt: 1000 },
        { codeHash: "i2", createdBy: "d2", createdAt: 20, expiresAt: 1000 },
      ]);
      expect(await store.deleteInvite("i1")).toBe(true);
      expect(await store.deleteInvite("i1")).toBe(false);
      expect(await store.claimInvite("i1", 400)).toBeNull();
      expect((await store.listInvites(400)).map((invite) => invite.codeHash)).toEqual(["i2", "i3"]);
    });

    it("keeps security events by age, not by count, newest first", async () => {
      const event = (id: string, at: number) => ({
        id,
        at,
        kind: "device_paired" as const,
        message: `event ${id}`,
        deviceId: at % 2 ? "d1" : null,
        deviceName: at % 2 ? "Pixel" : null,
      });
      for (let i = 1; i <= 150; i++) await store.addSecurityEvent(event(`e${i}`, i * 1000));
      const newest = await store.listSecurityEvents(3);
      expect(newest.map((e) => e.id)).toEqual(["e150", "e149", "e148"]);
      expect(newest[0]).toEqual(event("e150", 150_000));
      expect((await store.listSecurityEvents(2, 3000)).map((e) => e.id)).toEqual(["e2", "e1"]);
      expect(await store.listSecurityEvents(1000)).toHaveLength(150);
      expect(await store.pruneSecurityEvents(100_000)).toBe(99);
      const kept = await store.listSecurityEvents(1000);
      expect(kept).toHaveLength(51);
      expect(kept.at(-1)?.id).toBe("e100");
    });

    it("an invite is claimed once and not after it expires", async () => {
      await store.createInvite({ codeHash: "h1", createdBy: "d", createdAt: 0, expiresAt: 1000 });
      await store.createInvite({ codeHash: "h2", createdBy: "d", createdAt: 0, expiresAt: 1000 });
      expect(await store.claimInvite("h1", 500)).toMatchObject({ codeHash: "h1", createdBy: "d" });
      expect(await store.claimInvite("h1", 500)).toBeNull();
      expect(await store.claimInvite("h2", 1000)).toBeNull();
    });

    it("creating a request with a used idempotency key returns the existing one", async () => {
      const { a, l } = await seed();
      const first = await store.createRequest(request(l.id, a.id, { idempotencyKey: "k1" }));
      const second = await store.createRequest(request(l.id, a.id, { idempotencyKey: "k1" }));
      expect(first.created).toBe(true);
      expect(second).toMatchObject({ created: false, request: { id: first.request.id } });
      expect((await store.findRequestByIdempotencyKey(l.id, "k1"))?.id).toBe(first.request.id);
      const other = await store.createRequest(request(l.id, a.id));
      expect(other.created).toBe(true);
    });

    it("the first answer wins; the others see the winner", async () => {
      const { a, l } = await seed();
      const { request: r } = await store.createRequest(request(l.id, a.id));
      const answers = await Promise.all(
        ["A", "B", "C"].map((who) =>
          store.answerRequest(r.id, {
            status: who === "B" ? "denied" : "approved",
            answer: who === "B" ? null : { codes },
            answeredBy: { deviceId: who, deviceName: who },
            answeredAt: 2000,
          }),
        ),
      );
      const winners = answers.filter((answer) => answer.ok);
      expect(winners).toHaveLength(1);
      const winner = winners[0]?.request.answeredBy?.deviceId;
      for (const answer of answers) expect(answer.request.answeredBy?.deviceId).toBe(winner);
    });

    it("an expired request cannot be answered", async () => {
      const { a, l } = await seed();
      const { request: r } = await store.createRequest(request(l.id, a.id, { expiresAt: 5000 }));
      const outcome = await store.answerRequest(r.id, {
        status: "approved",
        answer: { codes },
        answeredBy: { deviceId: "d", deviceName: "Phone" },
        answeredAt: 5000,
      });
      expect(outcome.ok).toBe(false);
      expect(outcome.request.status).toBe("pending");
    });

    it("wakes a waiter after the answer is committed, and sees earlier answers at once", async () => {
      const { a, l } = await seed();
      const { request: r } = await store.createRequest(request(l.id, a.id));
      // A wait far longer than the test may run: only the answer can end it (a timeout would return it pending).
      const waiting = store.waitForAnswer(r.id, 600_000);
      // Not synchronisation: either order must work (see the last line); this makes the wake-up the usual one.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await store.answerRequest(r.id, {
        status: "approved",
        answer: { codes },
        answeredBy: { deviceId: "d", deviceName: "Phone" },
        answeredAt: 2000,
      });
      const seen = await waiting;
      expect(seen).toMatchObject({ status: "approved", answer: { codes } });
      expect(await store.waitForAnswer(r.id, 5000)).toMatchObject({ status: "approved" });
    });

    it("a wait ends at its timeout or abort with the request still pending", async () => {
      const { a, l } = await seed();
      const { request: r } = await store.createRequest(request(l.id, a.id));
      expect(await store.waitForAnswer(r.id, 30)).toMatchObject({ status: "pending" });
      const abort = new AbortController();
      const waiting = store.waitForAnswer(r.id, 10_000, abort.signal);
      abort.abort();
      expect(await waiting).toMatchObject({ status: "pending" });
      expect(await store.waitForAnswer("unknown", 10)).toBeNull();
    });

    it("hands an answer out once and wipes it", async () => {
      const { a, l } = await seed();
      const { request: r } = await store.createRequest(request(l.id, a.id));
      await store.answerRequest(r.id, {
        status: "approved",
        answer: { codes },
        answeredBy: { deviceId: "d", deviceName: "Phone" },
        answeredAt: 2000,
      });
      const takes = await Promise.all([store.takeAnswer(r.id, 3000), store.takeAnswer(r.id, 3000)]);
      const taken = takes.filter((take) => take !== null);
      expect(taken).toHaveLength(1);
      expect(taken[0]).toMatchObject({ answer: { codes }, deliveredAt: 3000 });
      expect(await store.getRequest(r.id)).toMatchObject({ status: "approved", answer: null, deliveredAt: 3000 });
    });

    it("counts a link's requests for the limits", async () => {
      const { a, l } = await seed();
      await store.createRequest(request(l.id, a.id, { createdAt: 1000, expiresAt: 9000 }));
      await store.createRequest(request(l.id, a.id, { createdAt: 2000, expiresAt: 3000 }));
      await store.createRequest(request(l.id, a.id, { createdAt: 100, expiresAt: 9000, status: "denied" }));
      // Pending counts whenever it was created; the hour's total only from `since`.
      await store.createRequest(request(l.id, a.id, { createdAt: 200, expiresAt: 8000 }));
      expect(await store.countLinkRequests(l.id, 500, 4000)).toEqual({
        total: 2,
        pending: 2,
        oldestPendingExpiresAt: 8000,
        oldestCreatedAt: 1000,
      });
      expect(await store.countLinkRequests("another-link", 500, 4000)).toEqual({
        total: 0,
        pending: 0,
        oldestPendingExpiresAt: null,
        oldestCreatedAt: null,
      });
      expect(await store.listPendingRequests([a.id], 4000)).toHaveLength(2);
      expect(await store.listPendingRequests([], 4000)).toEqual([]);
    });

    // Check and creation are one step: SQLite in one transaction; Firestore by the create() of
    // the link's next sequence number, so concurrent calls (each a round trip to the fake or
    // the real service, interleaved) cannot all pass the same count. No transaction is used,
    // so this holds on the emulator fakes, which do not isolate transactions, as in production.
    it("creates under the link's limits atomically: concurrent calls never pass more than allowed", async () => {
      const { a, l } = await seed();
      const limits = { maxPending: 3, maxPerHour: 100, now: 1000 };
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, () => store.createRequest(request(l.id, a.id), undefined, limits)),
      );
      expect(outcomes.filter((o) => o.created)).toHaveLength(3);
      const refused = outcomes.flatMap((o) => (o.refused ? [o.refused] : []));
      expect(refused).toHaveLength(9);
      expect(refused[0]).toEqual({ limit: "pending", pending: 3, retryAt: 601_000 });
      expect((await store.countLinkRequests(l.id, 0, 1000)).pending).toBe(3);
      // Once one is answered, one more passes.
      const [first] = await store.listPendingRequests([a.id], 1000);
      await store.answerRequest(first?.id ?? "", {
        status: "denied",
        answer: null,
        answeredBy: { deviceId: "d", deviceName: "Phone" },
        answeredAt: 1500,
      });
      const again = await Promise.all(
        Array.from({ length: 4 }, () => store.createRequest(request(l.id, a.id), undefined, { ...limits, now: 2000 })),
      );
      expect(again.filter((o) => o.created)).toHaveLength(1);
    });

    it("holds the hourly limit under concurrent calls and says when the hour frees a place", async () => {
      const { a, l } = await seed();
      const hour = 60 * 60 * 1000;
      const limits = { maxPending: 100, maxPerHour: 4, now: 10_000 };
      const at = (createdAt: number) => request(l.id, a.id, { createdAt, expiresAt: createdAt + 600_000 });
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => store.createRequest(at(10_000), undefined, limits)),
      );
      expect(outcomes.filter((o) => o.created)).toHaveLength(4);
      expect(outcomes.find((o) => o.refused)?.refused).toEqual({ limit: "hourly", retryAt: 10_000 + hour });
      const later = { ...limits, now: 10_000 + hour };
      expect((await store.createRequest(at(10_000 + hour), undefined, later)).created).toBe(true);
    });

    it("joins an idempotent retry whatever the limits, and refuses a new key over them", async () => {
      const { a, l } = await seed();
      const limits = { maxPending: 1, maxPerHour: 100, now: 1000 };
      const first = await store.createRequest(request(l.id, a.id, { idempotencyKey: "k" }), undefined, limits);
      expect(first.created).toBe(true);
      const retries = await Promise.all(
        Array.from({ length: 3 }, () =>
          store.createRequest(request(l.id, a.id, { idempotencyKey: "k" }), undefined, limits),
        ),
      );
      expect(retries.map((o) => [o.created, o.request?.id])).toEqual(Array(3).fill([false, first.request?.id]));
      const other = await store.createRequest(request(l.id, a.id, { idempotencyKey: "k2" }), undefined, limits);
      expect(other.refused?.limit).toBe("pending");
    });

    it("sweeps expired requests, wipes undelivered answers and wakes waiters", async () => {
      const { a, l } = await seed();
      const { request: pending } = await store.createRequest(request(l.id, a.id, { expiresAt: 5000 }));
      const { request: approved } = await store.createRequest(request(l.id, a.id, { expiresAt: 5000 }));
      await store.answerRequest(approved.id, {
        status: "approved",
        answer: { codes },
        answeredBy: { deviceId: "d", deviceName: "Phone" },
        answeredAt: 2000,
      });
      const waiting = store.waitForAnswer(pending.id, 5000);
      const expired = await store.sweep(6000);
      expect(expired.map((r) => r.id)).toEqual([pending.id]);
      expect(await waiting).toMatchObject({ status: "expired" });
      expect(await store.getRequest(approved.id)).toMatchObject({ answer: null });
      expect(await store.takeAnswer(approved.id, 6000)).toBeNull();
      await store.sweep(6000 + 25 * 60 * 60 * 1000);
      expect(await store.getRequest(pending.id)).toBeNull();
    });

    it("writes a request's audit entry with it and patches it for the winner and the taker only", async () => {
      const { a, l } = await seed();
      const r = request(l.id, a.id, { idempotencyKey: "audited" });
      const entry = (id: string) => auditEntry(l, { id, requestId: id });
      expect((await store.createRequest(r, entry(r.id))).created).toBe(true);
      // A retry with the same key joins the request and writes no second entry.
      const retry = request(l.id, a.id, { idempotencyKey: "audited" });
      expect((await store.createRequest(retry, entry(retry.id))).created).toBe(false);
      expect((await store.listAudit(a.id, 10)).map((e) => e.id)).toEqual([r.id]);

      const answer = (who: string) =>
        store.answerRequest(
          r.id,
          { status: "approved", answer: { codes }, answeredBy: { deviceId: who, deviceName: who }, answeredAt: 2000 },
          { outcome: "approved", answeredBy: { deviceId: who, deviceName: who }, message: null },
        );
      const answers = await Promise.all([answer("A"), answer("B")]);
      const winner = answers.find((outcome) => outcome.ok)?.request.answeredBy?.deviceName;
      expect(winner).toBeDefined();
      expect((await store.listAudit(a.id, 1))[0]).toMatchObject({
        outcome: "approved",
        answeredBy: { deviceName: winner },
        message: null,
        requester: { ip: "203.0.113.9" },
      });

      const takes = await Promise.all([1, 2].map(() => store.takeAnswer(r.id, 3000, { outcome: "delivered" })));
      expect(takes.filter((take) => take !== null)).toHaveLength(1);
      expect(await store.takeAnswer(r.id, 3000, { outcome: "expired", message: "late" })).toBeNull();
      expect((await store.listAudit(a.id, 1))[0]).toMatchObject({ outcome: "delivered", message: null });
    });

    const operation = {
      action: "publish" as const,
      registry: "registry.npmjs.org",
      method: "PUT" as const,
      path: "/@scope%2ffoo",
      package: { name: "@scope/foo", version: "1.2.3" },
      tag: "latest",
      tarball: { size: 48_213, integrity: `sha512-${"A".repeat(86)}==` },
      access: "public" as const,
    };
    const authUrl = "https://www.npmjs.com/auth/cli/0b1d2c3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
    const webRequest = (linkId: string, accountId: string, overrides: Partial<RequestRecord> = {}) =>
      request(linkId, accountId, { operation, challenge: { type: "web", authUrl }, ...overrides });
    const approvedBy = { deviceId: "d", deviceName: "Phone" };

    it("keeps a request's registry operation, challenge and run offer", async () => {
      const { a, l } = await seed();
      const { request: web } = await store.createRequest(webRequest(l.id, a.id, { idempotencyKey: "web" }));
      const run = request(l.id, a.id, { operation, run: { seconds: 900 } });
      await store.createRequest(run);
      const plain = request(l.id, a.id);
      await store.createRequest(plain);
      expect(await store.getRequest(web.id)).toMatchObject({
        operation,
        challenge: { type: "web", authUrl },
        run: null,
      });
      expect((await store.findRequestByIdempotencyKey(l.id, "web"))?.challenge).toEqual({ type: "web", authUrl });
      expect(await store.getRequest(run.id)).toMatchObject({
        operation,
        challenge: { type: "otp" },
        run: { seconds: 900 },
      });
      expect(await store.getRequest(plain.id)).toMatchObject({
        operation: null,
        challenge: { type: "otp" },
        run: null,
      });
      const listed = await store.listPendingRequests([a.id], 2000);
      expect(listed.find((r) => r.id === web.id)?.operation).toEqual(operation);
      expect(listed.find((r) => r.id === run.id)?.run).toEqual({ seconds: 900 });
    });

    it("wipes a web challenge's authUrl once the request is answered, withdrawn or expired", async () => {
      const { a, l } = await seed();
      const { request: opened } = await store.createRequest(webRequest(l.id, a.id));
      const { request: denied } = await store.createRequest(webRequest(l.id, a.id));
      const { request: withdrawn } = await store.createRequest(webRequest(l.id, a.id));
      const { request: expired } = await store.createRequest(webRequest(l.id, a.id, { expiresAt: 5000 }));
      const won = await store.answerRequest(opened.id, {
        status: "approved",
        answer: { opened: true },
        answeredBy: approvedBy,
        answeredAt: 2000,
      });
      expect(won.request.challenge).toEqual({ type: "web" });
      await store.answerRequest(denied.id, {
        status: "denied",
        answer: null,
        answeredBy: approvedBy,
        answeredAt: 2000,
      });
      await store.withdrawRequest(withdrawn.id);
      await store.sweep(6000);
      for (const id of [opened.id, denied.id, withdrawn.id, expired.id]) {
        const stored = await store.getRequest(id);
        expect(stored?.challenge).toEqual({ type: "web" });
        expect(stored?.operation).toEqual(operation);
      }
      expect(await store.takeAnswer(opened.id, 3000)).toMatchObject({ answer: { opened: true } });
      expect(await store.getRequest(opened.id)).toMatchObject({ answer: null, deliveredAt: 3000 });
    });

    it("an answer's outcome and what its waiter gets are the request as stored", async () => {
      const { a, l } = await seed();
      const answers: [RequestRecord, AnswerInput][] = [
        [request(l.id, a.id), { status: "approved", answer: { codes }, answeredBy: approvedBy, answeredAt: 2000 }],
        [request(l.id, a.id), { status: "denied", answer: null, answeredBy: approvedBy, answeredAt: 2000 }],
        [
          webRequest(l.id, a.id, { verified: { repository: "owner/repo" }, run: null }),
          { status: "approved", answer: { opened: true }, answeredBy: approvedBy, answeredAt: 2000 },
        ],
        [
          request(l.id, a.id, { publicKey: { kty: "EC", crv: "P-256", x: "x".repeat(43), y: "y".repeat(43) } }),
          { status: "approved", answer: { jwe: "a.b.c.d.e" }, answeredBy: approvedBy, answeredAt: 2000 },
        ],
      ];
      for (const [created, answer] of answers) {
        await store.createRequest(created);
        const waiting = store.waitForAnswer(created.id, 600_000);
        const outcome = await store.answerRequest(created.id, answer, { outcome: answer.status });
        const stored = await store.getRequest(created.id);
        expect(stored).toMatchObject({ status: answer.status, answer: answer.answer, answeredAt: 2000 });
        expect(outcome.request).toEqual(stored);
        expect(await waiting).toEqual(stored);
      }
    });

    it("a withdrawal and an answer: the first wins, waiters wake, and a settled request stays as it is", async () => {
      const { a, l } = await seed();
      const { request: r } = await store.createRequest(request(l.id, a.id));
      const waiting = store.waitForAnswer(r.id, 5000);
      const [withdrawal, answer] = await Promise.all([
        store.withdrawRequest(r.id),
        store.answerRequest(r.id, { status: "approved", answer: { codes }, answeredBy: approvedBy, answeredAt: 2000 }),
      ]);
      expect([withdrawal.ok, answer.ok].filter(Boolean)).toHaveLength(1);
      const settled = await waiting;
      expect(settled?.status).toBe(withdrawal.ok ? "expired" : "approved");
      expect(answer.request.status).toBe(settled?.status);

      const { request: answered } = await store.createRequest(request(l.id, a.id));
      await store.answerRequest(answered.id, {
        status: "denied",
        answer: null,
        answeredBy: approvedBy,
        answeredAt: 2000,
      });
      expect(await store.withdrawRequest(answered.id)).toMatchObject({ ok: false, request: { status: "denied" } });
      const { request: withdrawn } = await store.createRequest(request(l.id, a.id));
      expect((await store.withdrawRequest(withdrawn.id)).ok).toBe(true);
      expect(await store.withdrawRequest(withdrawn.id)).toMatchObject({ ok: false, request: { status: "expired" } });
      expect(await store.listPendingRequests([a.id], 2000)).toEqual([]);
    });

    it("keeps the registry fields in the audit log and patches a withdrawal and a run's end", async () => {
      const { a, l } = await seed();
      const web = webRequest(l.id, a.id);
      await store.createRequest(web, auditEntry(l, { id: web.id, requestId: web.id, operation, challenge: "web" }));
      await store.withdrawRequest(web.id, { outcome: "expired", message: "Withdrawn by CI" });
      const run = request(l.id, a.id, { run: { seconds: 900 }, createdAt: 1000 });
      await store.createRequest(run, auditEntry(l, { id: run.id, requestId: run.id, at: 2000, operation }));
      await store.answerRequest(
        run.id,
        { status: "approved", answer: { jwe: "a.b.c.d.e" }, answeredBy: approvedBy, answeredAt: 2000 },
        { outcome: "approved", answeredBy: approvedBy, message: null, runUntil: 901_000 },
      );
      const [runEntry, webEntry] = await store.listAudit(a.id, 10);
      expect(webEntry).toMatchObject({ operation, challenge: "web", outcome: "expired", message: "Withdrawn by CI" });
      expect(runEntry).toMatchObject({ operation, outcome: "approved", runUntil: 901_000 });
      expect(runEntry?.challenge).toBeUndefined();
    });

    it("counts identical refusals in one entry, lists requests and refusals apart, prunes both by age", async () => {
      const { a, l } = await seed();
      const refusal = auditEntry(l, { id: "refusal.1", at: 1000, outcome: "rate_limited", message: "limit" });
      await store.countRefusal(refusal);
      expect((await store.listAudit(a.id, 10))[0]).not.toHaveProperty("count");
      await store.countRefusal({ ...refusal, at: 1500 });
      await store.countRefusal({ ...refusal, at: 2500 });
      await store.countRefusal({ ...refusal, id: "refusal.2", at: 3000 });
      await store.addAudit(auditEntry(l, { id: "req-entry", requestId: "r1", at: 2000 }));
      expect((await store.listAudit(a.id, 10, "refusals")).map((e) => [e.id, e.count, e.lastAt])).toEqual([
        ["refusal.2", undefined, undefined],
        ["refusal.1", 3, 2500],
      ]);
      expect((await store.listAudit(a.id, 10, "requests")).map((e) => e.id)).toEqual(["req-entry"]);
      expect((await store.listAudit(a.id, 10)).map((e) => e.id)).toEqual(["refusal.2", "req-entry", "refusal.1"]);
      // A week on, the refusals are gone; the request's entry stays for 90 days.
      await store.sweep(3000 + REFUSAL_RETENTION_MS);
      expect((await store.listAudit(a.id, 10)).map((e) => e.id)).toEqual(["req-entry"]);
      await store.sweep(2000 + AUDIT_RETENTION_MS);
      expect(await store.listAudit(a.id, 10)).toEqual([]);
    });

    it("keeps an audit log per account, newest first", async () => {
      const { a, l } = await seed();
      await store.addAudit(auditEntry(l, { id: "e1", at: 1000 }));
      await store.addAudit(auditEntry(l, { id: "e2", at: 2000 }));
      await store.addAudit(auditEntry(l, { id: "other", at: 3000, accountId: "another" }));
      await store.updateAudit("e1", { outcome: "denied", answeredBy: { deviceId: "d", deviceName: "Phone" } });
      const log = await store.listAudit(a.id, 10);
      expect(log.map((e) => e.id)).toEqual(["e2", "e1"]);
      expect(log[1]).toMatchObject({ outcome: "denied", answeredBy: { deviceName: "Phone" } });
      await store.updateAudit("e1", { message: "Denied and the link paused.", answeredBy: null });
      expect((await store.listAudit(a.id, 10))[1]).toMatchObject({
        outcome: "denied",
        answeredBy: null,
        message: "Denied and the link paused.",
        requester: { ip: "203.0.113.9", userAgent: null },
      });
      await store.updateAudit("missing", { outcome: "expired" });
      expect(await store.listAudit(a.id, 10)).toHaveLength(2);
      expect(await store.listAudit(a.id, 1)).toHaveLength(1);
    });
  });
}
