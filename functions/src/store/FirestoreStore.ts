import type { SecurityEvent } from "@countersign/shared";
import {
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  FieldValue,
  type Firestore,
  type Query,
  Timestamp,
} from "firebase-admin/firestore";
import { hashedDocId, recordDocId } from "./firestore/docIds.js";
import { isAlreadyExists, isNotFound, wrote } from "./firestore/firestoreErrors.js";
import { plainData } from "./firestore/plainData.js";
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
  type WaitSignal,
} from "./Store.js";

const HOUR_MS = 60 * 60 * 1000;

/** How long a claim marker of a setting is kept (it only has to outlive a race). */
const SETTING_CLAIM_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Firestore's limit on the values of one `in` filter. */
const IN_FILTER_LIMIT = 30;
/** Firestore's limit on writes in one batch. */
const BATCH_LIMIT = 500;

/**
 * Collections. Every document that should not outlive its use carries
 * `expiresAt` (a Timestamp) so a Firestore TTL policy can delete it; see
 * docs/deploy-firebase.md.
 */
const C = {
  settings: "settings",
  settingClaims: "settingClaims",
  devices: "devices",
  nonces: "nonces",
  invites: "invites",
  accounts: "accounts",
  links: "links",
  requests: "requests",
  /** `{requestId}` under a hash of (link, idempotency key): its `create()` makes creation idempotent. */
  requestKeys: "requestKeys",
  /** One per answered or expired request: its `create()` is the "first answer wins" decision. */
  answers: "answers",
  /** One per delivered answer: its `create()` hands the answer to exactly one caller. */
  deliveries: "deliveries",
  /**
   * `{linkId, requestId, createdAt}` under (link, n) for a link's n-th limited
   * request: its `create()` serializes the limit checks of concurrent requests
   * (see createRequest). Kept an hour (TTL on `expiresAt`).
   */
  linkSequence: "linkSequence",
  /** `{next}` per link: the next sequence number, a hint written in the same batch as the number's document. */
  linkCounters: "linkCounters",
  audit: "audit",
  securityEvents: "securityEvents",
} as const;

const toMillis = (value: unknown): number => (value instanceof Timestamp ? value.toMillis() : Number(value));
const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

function toDevice(data: DocumentData): DeviceRecord {
  return {
    id: data.id,
    name: data.name,
    publicKey: data.publicKey,
    createdAt: data.createdAt,
    lastSeenAt: orNull(data.lastSeenAt),
    push: orNull(data.push),
    ...(data.passkey ? { passkey: data.passkey } : {}),
  };
}

function toInvite(snap: DocumentSnapshot): InviteRecord {
  return {
    codeHash: snap.get("codeHash"),
    createdBy: snap.get("createdBy"),
    createdAt: snap.get("createdAt"),
    expiresAt: toMillis(snap.get("expiresAt")),
  };
}

function toAccount(data: DocumentData): AccountRecord {
  return {
    id: data.id,
    issuer: data.issuer,
    label: data.label,
    createdAt: data.createdAt,
    deviceIds: data.deviceIds ?? [],
  };
}

function toLink(data: DocumentData): LinkRecord {
  return {
    id: data.id,
    accountId: data.accountId,
    name: data.name,
    tokenHash: data.tokenHash,
    tokenHint: data.tokenHint,
    createdAt: data.createdAt,
    lastUsedAt: orNull(data.lastUsedAt),
    paused: data.paused === true,
    revokedAt: orNull(data.revokedAt),
    policy: orNull(data.policy),
  };
}

function toRequest(data: DocumentData): RequestRecord {
  return {
    id: data.id,
    linkId: data.linkId,
    accountId: data.accountId,
    idempotencyKey: orNull(data.idempotencyKey),
    package: orNull(data.package),
    context: orNull(data.context),
    oidcToken: orNull(data.oidcToken),
    verified: orNull(data.verified),
    publicKey: orNull(data.publicKey),
    operation: orNull(data.operation),
    // Documents from before the registry relay were all code requests.
    challenge: data.challenge ?? { type: "otp" },
    run: orNull(data.run),
    requester: data.requester,
    createdAt: data.createdAt,
    expiresAt: toMillis(data.expiresAt),
    status: data.status,
    answer: orNull(data.answer),
    answeredBy: orNull(data.answeredBy),
    answeredAt: orNull(data.answeredAt),
    deliveredAt: orNull(data.deliveredAt),
  };
}

function toAudit(data: DocumentData): AuditRecord {
  return {
    id: data.id,
    accountId: data.accountId,
    requestId: orNull(data.requestId),
    at: data.at,
    linkId: data.linkId,
    linkName: data.linkName,
    package: orNull(data.package),
    claimed: orNull(data.claimed),
    verified: orNull(data.verified),
    requester: data.requester,
    outcome: data.outcome,
    answeredBy: orNull(data.answeredBy),
    message: orNull(data.message),
    ...(data.operation ? { operation: data.operation } : {}),
    ...(data.challenge ? { challenge: data.challenge } : {}),
    ...(data.runUntil ? { runUntil: data.runUntil } : {}),
    ...(typeof data.count === "number" && data.count > 1 ? { count: data.count, lastAt: data.lastAt } : {}),
  };
}

/**
 * An audit entry as stored: with `refusal` (to list requests and refusals
 * apart) and `expiresAt` (the TTL policy and the sweep prune it after its
 * retention). Entries written before these fields existed are listed only
 * without a kind, and kept.
 */
function auditData(entry: AuditRecord): Record<string, unknown> {
  const refusal = entry.requestId === null;
  return {
    ...plainData(entry),
    refusal,
    expiresAt: Timestamp.fromMillis(entry.at + (refusal ? REFUSAL_RETENTION_MS : AUDIT_RETENTION_MS)),
  };
}

/**
 * The request's challenge once it is no longer pending: a web challenge
 * without its authUrl. The whole map is replaced rather than the field
 * deleted, so no FieldValue.delete() is needed (the emulator fakes ignore it).
 */
function wipedChallenge(request: RequestRecord): { challenge?: { type: "web" } } {
  return request.challenge.type === "web" ? { challenge: { type: "web" } } : {};
}

/** The fields of a patch that are set, as plain Firestore data (undefined means "leave as is"). */
function patchData(patch: object): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (value !== undefined) data[field] = typeof value === "object" ? plainData(value) : value;
  }
  return data;
}

const byCreation = <T extends { createdAt: number; id: string }>(a: T, b: T) =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export interface FirestoreStoreOptions {
  /** Terminate the client on `close()` (when the store created it). Default false. */
  ownsClient?: boolean;
}

/**
 * The store of the Firebase deployment. Cloud Functions instances share no
 * memory, so every guarantee of the Store interface rests on Firestore alone,
 * and only on its single-document primitives (no transactions, whose
 * isolation the emulator fakes do not reproduce):
 *
 * - first answer wins: `create()` of `answers/{id}` in one batch with the
 *   request's new status; the second answer's batch fails with ALREADY_EXISTS
 *   and changes nothing. Expiry by `sweep` goes through the same door.
 * - waiting: `onSnapshot` on `answers/{id}`, which exists only once the
 *   batch is committed, so a woken waiter reads the answered request.
 * - delivered once: `create()` of `deliveries/{id}` in one batch with the wipe.
 * - single-use claims and nonces, idempotent creation: `create()` of a marker.
 */
export class FirestoreStore implements Store {
  readonly kind = "firestore";
  private readonly db: Firestore;
  private readonly ownsClient: boolean;
  private readonly waiters = new Set<() => void>();

  constructor(db: Firestore, options: FirestoreStoreOptions = {}) {
    this.db = db;
    this.ownsClient = options.ownsClient ?? false;
  }

  private doc(collection: string, id: string): DocumentReference {
    return this.db.collection(collection).doc(id);
  }

  private async updateIfExists(ref: DocumentReference, data: Record<string, unknown>) {
    if (Object.keys(data).length === 0) return;
    await wrote(ref.update(data), isNotFound);
  }

  /** Creates the document of `record` in a collection keyed by record id (fails if it exists). */
  private async createRecord(collection: string, record: { id: string }) {
    await this.doc(collection, recordDocId(record.id)).create(plainData(record));
  }

  /** The record `id` of a collection keyed by record id, read with `to`; null when there is none. */
  private async getRecord<T>(collection: string, id: string, to: (data: DocumentData) => T): Promise<T | null> {
    const snap = await this.doc(collection, recordDocId(id)).get();
    return snap.exists ? to(snap.data() as DocumentData) : null;
  }

  /** The records a query finds, read with `to`, oldest first. */
  private async listRecords<T extends { createdAt: number; id: string }>(
    query: Query,
    to: (data: DocumentData) => T,
  ): Promise<T[]> {
    const snap = await query.get();
    return snap.docs.map((d) => to(d.data())).sort(byCreation);
  }

  /** Applies `patch` to the record `id` of a collection keyed by record id, if it exists. */
  private async updateRecord(collection: string, id: string, patch: object) {
    await this.updateIfExists(this.doc(collection, recordDocId(id)), patchData(patch));
  }

  /** Deletes in batches of at most BATCH_LIMIT writes. */
  private async deleteAll(refs: DocumentReference[]) {
    for (let i = 0; i < refs.length; i += BATCH_LIMIT) {
      const batch = this.db.batch();
      for (const ref of refs.slice(i, i + BATCH_LIMIT)) batch.delete(ref);
      await batch.commit();
    }
  }

  private async expiredRefs(collection: string, now: number) {
    const snap = await this.db.collection(collection).where("expiresAt", "<=", Timestamp.fromMillis(now)).get();
    return snap.docs.map((d) => d.ref);
  }

  // ---------------------------------------------------------------- settings

  async getSetting(key: string) {
    const snap = await this.doc(C.settings, hashedDocId(key)).get();
    return snap.exists ? (snap.get("value") as string) : null;
  }

  async setSetting(key: string, value: string) {
    // A fresh version per write: a claim is of this write, so a value set again later can be claimed again.
    await this.doc(C.settings, hashedDocId(key)).set({ key, value, version: crypto.randomUUID() });
  }

  async createSetting(key: string, value: string) {
    const ref = this.doc(C.settings, hashedDocId(key));
    try {
      // create() fails with ALREADY_EXISTS for every caller but the first, even across instances.
      await ref.create({ key, value, version: crypto.randomUUID() });
      return value;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    const snap = await ref.get();
    return snap.get("value") as string;
  }

  async claimSetting(key: string, expected: string) {
    const ref = this.doc(C.settings, hashedDocId(key));
    const snap = await ref.get();
    if (!snap.exists || snap.get("value") !== expected) return false;
    const batch = this.db.batch();
    batch.create(this.doc(C.settingClaims, hashedDocId(key, String(snap.get("version")))), {
      expiresAt: Timestamp.fromMillis(Date.now() + SETTING_CLAIM_RETENTION_MS),
    });
    batch.delete(ref);
    return wrote(batch.commit(), isAlreadyExists);
  }

  // ---------------------------------------------------------------- devices

  async createDevice(device: DeviceRecord) {
    await this.createRecord(C.devices, device);
  }

  async getDevice(id: string) {
    return this.getRecord(C.devices, id, toDevice);
  }

  async listDevices() {
    return this.listRecords(this.db.collection(C.devices), toDevice);
  }

  async updateDevice(id: string, patch: Partial<Pick<DeviceRecord, "name" | "lastSeenAt" | "push" | "passkey">>) {
    await this.updateRecord(C.devices, id, patch);
  }

  async deleteDevice(id: string) {
    const holding = await this.db.collection(C.accounts).where("deviceIds", "array-contains", id).get();
    const batch = this.db.batch();
    batch.delete(this.doc(C.devices, recordDocId(id)));
    // arrayRemove is applied by Firestore itself, so an account edited meanwhile keeps its other changes.
    for (const account of holding.docs) batch.update(account.ref, { deviceIds: FieldValue.arrayRemove(id) });
    await batch.commit();
  }

  async rememberNonce(key: string, expiresAt: number) {
    return wrote(
      this.doc(C.nonces, hashedDocId(key)).create({ expiresAt: Timestamp.fromMillis(expiresAt) }),
      isAlreadyExists,
    );
  }

  // ---------------------------------------------------------------- invites

  async createInvite(invite: InviteRecord) {
    await this.doc(C.invites, hashedDocId(invite.codeHash)).create({
      codeHash: invite.codeHash,
      createdBy: invite.createdBy,
      createdAt: invite.createdAt,
      expiresAt: Timestamp.fromMillis(invite.expiresAt),
    });
  }

  async claimInvite(codeHash: string, now: number) {
    const ref = this.doc(C.invites, hashedDocId(codeHash));
    const snap = await ref.get();
    if (!snap.exists) return null;
    const invite = toInvite(snap);
    if (invite.expiresAt <= now) return null;
    // Invite codes are random and never reissued, so "the document still exists" is a sufficient claim.
    return (await wrote(ref.delete({ exists: true }), isNotFound)) ? invite : null;
  }

  // ---------------------------------------------------------------- accounts

  async listInvites(now: number) {
    const snap = await this.db.collection(C.invites).where("expiresAt", ">", Timestamp.fromMillis(now)).get();
    return snap.docs.map(toInvite).sort((a, b) => a.createdAt - b.createdAt || (a.codeHash < b.codeHash ? -1 : 1));
  }

  async deleteInvite(codeHash: string) {
    return wrote(this.doc(C.invites, hashedDocId(codeHash)).delete({ exists: true }), isNotFound);
  }

  async createAccount(account: AccountRecord) {
    await this.createRecord(C.accounts, account);
  }

  async getAccount(id: string) {
    return this.getRecord(C.accounts, id, toAccount);
  }

  async listAccounts() {
    return this.listRecords(this.db.collection(C.accounts), toAccount);
  }

  async updateAccount(id: string, patch: Partial<Pick<AccountRecord, "issuer" | "label" | "deviceIds">>) {
    await this.updateRecord(C.accounts, id, patch);
  }

  async deleteAccount(id: string) {
    await this.doc(C.accounts, recordDocId(id)).delete();
  }

  // ---------------------------------------------------------------- links

  async createLink(link: LinkRecord) {
    await this.createRecord(C.links, link);
  }

  async getLink(id: string) {
    return this.getRecord(C.links, id, toLink);
  }

  async findLinkByTokenHash(tokenHash: string) {
    const snap = await this.db.collection(C.links).where("tokenHash", "==", tokenHash).limit(1).get();
    const first = snap.docs[0];
    return first ? toLink(first.data()) : null;
  }

  async listLinks(accountId: string) {
    return this.listRecords(this.db.collection(C.links).where("accountId", "==", accountId), toLink);
  }

  async updateLink(
    id: string,
    patch: Partial<Pick<LinkRecord, "name" | "paused" | "revokedAt" | "lastUsedAt" | "policy">>,
  ) {
    await this.updateRecord(C.links, id, patch);
  }

  // ---------------------------------------------------------------- requests

  private requestRef(id: string) {
    return this.doc(C.requests, recordDocId(id));
  }

  private requestKeyRef(linkId: string, idempotencyKey: string) {
    return this.doc(C.requestKeys, hashedDocId(linkId, idempotencyKey));
  }

  private async readRequest(id: string): Promise<RequestRecord | null> {
    const snap = await this.requestRef(id).get();
    return snap.exists ? toRequest(snap.data() as DocumentData) : null;
  }

  private sequenceRef(linkId: string, n: number) {
    return this.doc(C.linkSequence, hashedDocId(linkId, String(n)));
  }

  /**
   * Creates a request under the link's limits without a transaction (whose
   * isolation the emulator fakes lack): each limited request takes the link's
   * next sequence number n by `create()` of its document, the first write of
   * the request's batch, so exactly one caller gets each number and a caller
   * that loses retries with the next. The winner of n had read that n - 1 was
   * taken, so every request with a smaller number was committed before its
   * checks read: the pending count (a query) can only have fallen since, and
   * the hour holds maxPerHour requests exactly when number n - maxPerHour was
   * created within it. The same batch advances the link's counter, which is
   * only a hint: a stale one costs a probe per number taken since.
   */
  private async createLimited(
    request: RequestRecord,
    audit: AuditRecord | undefined,
    limits: RequestLimits,
  ): Promise<CreateRequestOutcome> {
    const counterRef = this.doc(C.linkCounters, recordDocId(request.linkId));
    let n = ((await counterRef.get()).get("next") as number | undefined) ?? 0;
    for (let attempt = 0; attempt < 200; attempt++) {
      if (request.idempotencyKey !== null) {
        const existing = await this.findRequestByIdempotencyKey(request.linkId, request.idempotencyKey);
        if (existing) return { request: existing, created: false };
      }
      if ((await this.sequenceRef(request.linkId, n).get()).exists) {
        n++;
        continue;
      }
      const refusal = await this.limitRefusal(request.linkId, n, limits);
      if (refusal) return { created: false, refused: refusal };
      const batch = this.db.batch();
      // First: when the number is taken, nothing else is written.
      batch.create(this.sequenceRef(request.linkId, n), {
        linkId: request.linkId,
        requestId: request.id,
        createdAt: request.createdAt,
        expiresAt: Timestamp.fromMillis(request.createdAt + HOUR_MS),
      });
      if (request.idempotencyKey !== null) {
        batch.create(this.requestKeyRef(request.linkId, request.idempotencyKey), {
          requestId: request.id,
          expiresAt: Timestamp.fromMillis(request.expiresAt),
        });
      }
      batch.create(this.requestRef(request.id), this.requestData(request));
      if (audit) batch.create(this.doc(C.audit, recordDocId(audit.id)), auditData(audit));
      batch.set(counterRef, { next: n + 1 });
      try {
        await batch.commit();
        return { request, created: true };
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
      // A key whose request is already gone (the TTL policy deleted the request first) is dropped.
      if (request.idempotencyKey !== null) {
        const keyRef = this.requestKeyRef(request.linkId, request.idempotencyKey);
        const key = await keyRef.get();
        if (key.exists && !(await this.readRequest(key.get("requestId")))) await keyRef.delete();
      }
      n++;
    }
    throw new Error(`too many concurrent requests on link ${request.linkId}`);
  }

  /** The limit a request taking the link's sequence number `n` would break, if any. */
  private async limitRefusal(linkId: string, n: number, limits: RequestLimits): Promise<LimitRefusal | null> {
    const { now } = limits;
    const pending = await this.db
      .collection(C.requests)
      .where("linkId", "==", linkId)
      .where("status", "==", "pending")
      .select("expiresAt")
      .get();
    const expiries = pending.docs.map((d) => toMillis(d.get("expiresAt"))).filter((at) => at > now);
    if (expiries.length >= limits.maxPending) {
      return { limit: "pending", pending: expiries.length, retryAt: Math.min(...expiries) };
    }
    if (n < limits.maxPerHour) return null;
    const boundary = await this.sequenceRef(linkId, n - limits.maxPerHour).get();
    const boundaryAt = boundary.exists ? (boundary.get("createdAt") as number) : null;
    if (boundaryAt === null || boundaryAt <= now - HOUR_MS) return null;
    const { oldestCreatedAt } = await this.countLinkRequests(linkId, now - HOUR_MS + 1, now);
    return { limit: "hourly", retryAt: (oldestCreatedAt ?? boundaryAt) + HOUR_MS };
  }

  private requestData(request: RequestRecord) {
    return {
      ...plainData(request),
      expiresAt: Timestamp.fromMillis(request.expiresAt),
      holdsAnswer: request.status === "approved" && request.answer !== null,
    };
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
    if (limits) return this.createLimited(request, audit, limits);
    const expiresAt = Timestamp.fromMillis(request.expiresAt);
    const { idempotencyKey } = request;
    const keyRef = idempotencyKey === null ? null : this.requestKeyRef(request.linkId, idempotencyKey);
    // Two rounds: a key whose request is already gone (deleted by the TTL policy before the key) is
    // dropped and taken afresh; a concurrent caller doing the same meets this one's create().
    for (let round = 0; ; round++) {
      const batch = this.db.batch();
      // First in the batch: when the key is taken, nothing else is written.
      if (keyRef) batch.create(keyRef, { requestId: request.id, expiresAt });
      batch.create(this.requestRef(request.id), {
        ...plainData(request),
        expiresAt,
        holdsAnswer: request.status === "approved" && request.answer !== null,
      });
      if (audit) batch.create(this.doc(C.audit, recordDocId(audit.id)), auditData(audit));
      try {
        await batch.commit();
        return { request, created: true };
      } catch (error) {
        if (!isAlreadyExists(error) || keyRef === null || idempotencyKey === null) throw error;
      }
      const existing = await this.findRequestByIdempotencyKey(request.linkId, idempotencyKey);
      if (existing) return { request: existing, created: false };
      if (round > 0) throw new Error("request insert conflicted but no existing request was found");
      await keyRef.delete();
    }
  }

  async getRequest(id: string) {
    return this.readRequest(id);
  }

  async findRequestByIdempotencyKey(linkId: string, idempotencyKey: string) {
    const key = await this.requestKeyRef(linkId, idempotencyKey).get();
    if (!key.exists) return null;
    const request = await this.readRequest(key.get("requestId"));
    return request && request.linkId === linkId ? request : null;
  }

  async listPendingRequests(accountIds: string[], now: number) {
    const found: RequestRecord[] = [];
    for (let i = 0; i < accountIds.length; i += IN_FILTER_LIMIT) {
      const snap = await this.db
        .collection(C.requests)
        .where("status", "==", "pending")
        .where("accountId", "in", accountIds.slice(i, i + IN_FILTER_LIMIT))
        .get();
      for (const d of snap.docs) {
        const request = toRequest(d.data());
        if (request.expiresAt > now) found.push(request);
      }
    }
    return found.sort(byCreation);
  }

  async countLinkRequests(linkId: string, since: number, now: number) {
    const [recent, pending] = await Promise.all([
      this.db
        .collection(C.requests)
        .where("linkId", "==", linkId)
        .where("createdAt", ">=", since)
        .select("createdAt")
        .get(),
      this.db
        .collection(C.requests)
        .where("linkId", "==", linkId)
        .where("status", "==", "pending")
        .select("expiresAt")
        .get(),
    ]);
    const created = recent.docs.map((d) => d.get("createdAt") as number);
    const pendingExpiries = pending.docs.map((d) => toMillis(d.get("expiresAt"))).filter((at) => at > now);
    return {
      total: created.length,
      pending: pendingExpiries.length,
      oldestPendingExpiresAt: pendingExpiries.length > 0 ? Math.min(...pendingExpiries) : null,
      oldestCreatedAt: created.length > 0 ? Math.min(...created) : null,
    };
  }

  async answerRequest(id: string, answer: AnswerInput, audit?: AuditPatch): Promise<AnswerOutcome> {
    const current = await this.readRequest(id);
    if (!current) throw new Error(`request ${id} does not exist`);
    if (current.status !== "pending" || current.expiresAt <= answer.answeredAt) return { ok: false, request: current };
    const fields = {
      status: answer.status,
      answer: plainData(answer.answer),
      answeredBy: plainData(answer.answeredBy),
      answeredAt: answer.answeredAt,
    };
    const batch = this.db.batch();
    // First in the batch: a second answer fails here and writes nothing.
    batch.create(this.doc(C.answers, recordDocId(id)), {
      status: fields.status,
      answeredBy: fields.answeredBy,
      answeredAt: fields.answeredAt,
      expiresAt: Timestamp.fromMillis(current.expiresAt),
    });
    batch.update(this.requestRef(id), {
      ...fields,
      ...wipedChallenge(current),
      holdsAnswer: answer.status === "approved" && answer.answer !== null,
    });
    try {
      await batch.commit();
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const winner = await this.readRequest(id);
      return { ok: false, request: winner ?? current };
    }
    if (audit) await this.updateAudit(id, audit);
    return { ok: true, request: { ...current, ...fields, ...wipedChallenge(current) } };
  }

  async withdrawRequest(id: string, audit?: AuditPatch): Promise<AnswerOutcome> {
    const current = await this.readRequest(id);
    if (!current) throw new Error(`request ${id} does not exist`);
    if (current.status !== "pending") return { ok: false, request: current };
    const batch = this.db.batch();
    // The same door as an answer and the sweep: whichever creates answers/{id} first decides.
    batch.create(this.doc(C.answers, recordDocId(id)), {
      status: "expired",
      answeredBy: null,
      answeredAt: null,
      expiresAt: Timestamp.fromMillis(current.expiresAt),
    });
    const fields = { status: "expired" as const, answer: null, ...wipedChallenge(current) };
    batch.update(this.requestRef(id), { ...fields, holdsAnswer: false });
    try {
      await batch.commit();
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const winner = await this.readRequest(id);
      return { ok: false, request: winner ?? current };
    }
    if (audit) await this.updateAudit(id, audit);
    return { ok: true, request: { ...current, ...fields } };
  }

  async takeAnswer(id: string, now: number, audit?: AuditPatch) {
    const current = await this.readRequest(id);
    if (current?.status !== "approved" || current.answer === null) return null;
    const batch = this.db.batch();
    batch.create(this.doc(C.deliveries, recordDocId(id)), {
      deliveredAt: now,
      expiresAt: Timestamp.fromMillis(current.expiresAt),
    });
    batch.update(this.requestRef(id), { answer: null, holdsAnswer: false, deliveredAt: now });
    try {
      await batch.commit();
    } catch (error) {
      if (isAlreadyExists(error)) return null;
      throw error;
    }
    if (audit) await this.updateAudit(id, audit);
    return { ...current, deliveredAt: now };
  }

  async waitForAnswer(id: string, timeoutMs: number, signal?: WaitSignal) {
    const current = await this.readRequest(id);
    if (current?.status !== "pending" || timeoutMs <= 0 || signal?.aborted) return current;
    await new Promise<void>((resolve) => {
      let unsubscribe: (() => void) | null = null;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.waiters.delete(done);
        unsubscribe?.();
        unsubscribe = null;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener("abort", done, { once: true });
      this.waiters.add(done);
      // The first snapshot reports the document as it is now, so an answer committed
      // between the read above and this listener is not missed. A broken listener
      // ends the wait early; the caller then sees the request still pending.
      unsubscribe = this.doc(C.answers, recordDocId(id)).onSnapshot(
        (snap: DocumentSnapshot) => {
          if (snap.exists) done();
        },
        () => done(),
      );
    });
    return this.readRequest(id);
  }

  async sweep(now: number) {
    const nowTs = Timestamp.fromMillis(now);
    const expired: RequestRecord[] = [];
    const overdue = await this.db
      .collection(C.requests)
      .where("status", "==", "pending")
      .where("expiresAt", "<=", nowTs)
      .get();
    for (const d of overdue.docs) {
      const request = toRequest(d.data());
      const batch = this.db.batch();
      batch.create(this.doc(C.answers, recordDocId(request.id)), {
        status: "expired",
        answeredBy: null,
        answeredAt: null,
        expiresAt: d.get("expiresAt"),
      });
      batch.update(d.ref, { status: "expired", answer: null, holdsAnswer: false, ...wipedChallenge(request) });
      try {
        await batch.commit();
        expired.push({ ...request, status: "expired", answer: null, ...wipedChallenge(request) });
      } catch (error) {
        // Answered just before its time ran out: the answer stands.
        if (!isAlreadyExists(error)) throw error;
      }
    }

    const undelivered = await this.db
      .collection(C.requests)
      .where("holdsAnswer", "==", true)
      .where("expiresAt", "<=", nowTs)
      .get();
    for (const d of undelivered.docs) await d.ref.update({ answer: null, holdsAnswer: false });

    const forgotten = await this.db
      .collection(C.requests)
      .where("expiresAt", "<=", Timestamp.fromMillis(now - REQUEST_RETENTION_MS))
      .get();
    const refs: DocumentReference[] = [];
    for (const d of forgotten.docs) {
      const request = toRequest(d.data());
      refs.push(d.ref, this.doc(C.answers, recordDocId(request.id)), this.doc(C.deliveries, recordDocId(request.id)));
      if (request.idempotencyKey !== null) refs.push(this.requestKeyRef(request.linkId, request.idempotencyKey));
    }
    refs.push(
      ...(await this.expiredRefs(C.nonces, now)),
      ...(await this.expiredRefs(C.invites, now)),
      ...(await this.expiredRefs(C.settingClaims, now)),
      ...(await this.expiredRefs(C.linkSequence, now)),
      ...(await this.expiredRefs(C.audit, now)),
    );
    await this.deleteAll(refs);
    return expired;
  }

  // ---------------------------------------------------------------- audit

  async addAudit(entry: AuditRecord) {
    await this.doc(C.audit, recordDocId(entry.id)).create(auditData(entry));
  }

  async countRefusal(entry: AuditRecord) {
    const ref = this.doc(C.audit, recordDocId(entry.id));
    try {
      await ref.create({ ...auditData(entry), count: 1 });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      await ref.update({ count: FieldValue.increment(1), lastAt: entry.at });
    }
  }

  async updateAudit(id: string, patch: AuditPatch) {
    await this.updateRecord(C.audit, id, patch);
  }

  async listAudit(accountId: string, limit: number, kind?: AuditKind) {
    let query: Query = this.db.collection(C.audit).where("accountId", "==", accountId);
    if (kind) query = query.where("refusal", "==", kind === "refusals");
    query = query.orderBy("at", "desc").orderBy("id", "desc").limit(limit);
    const snap = await query.get();
    return snap.docs.map((d) => toAudit(d.data()));
  }

  // ---------------------------------------------------------------- security events

  async addSecurityEvent(event: SecurityEvent) {
    await this.doc(C.securityEvents, recordDocId(event.id)).set({ ...event });
  }

  async listSecurityEvents(limit: number, before?: number) {
    let query: Query = this.db.collection(C.securityEvents);
    if (before !== undefined) query = query.where("at", "<", before);
    const snap = await query.orderBy("at", "desc").limit(limit).get();
    return snap.docs.map((d) => {
      const { id, at, kind, message, deviceId, deviceName } = d.data() as SecurityEvent;
      return { id, at, kind, message, deviceId: orNull(deviceId), deviceName: orNull(deviceName) };
    });
  }

  async pruneSecurityEvents(before: number) {
    const snap = await this.db.collection(C.securityEvents).where("at", "<", before).get();
    await this.deleteAll(snap.docs.map((d) => d.ref));
    return snap.size;
  }

  async close() {
    for (const wake of [...this.waiters]) wake();
    if (this.ownsClient) await this.db.terminate();
  }
}
