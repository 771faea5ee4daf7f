import type {
  AnsweredBy,
  AuditEntry,
  ChallengeView,
  CiContext,
  LinkPolicy,
  P256PublicJwk,
  PackageInfo,
  PushSubscriptionBody,
  RegistryOperation,
  Requester,
  RequestStatus,
  SecurityEvent,
  TimedCode,
} from "@countersign/shared";

export interface DeviceRecord {
  id: string;
  name: string;
  publicKey: P256PublicJwk;
  createdAt: number;
  lastSeenAt: number | null;
  push: PushSubscriptionBody | null;
  /** With a passkey, the device's approvals need a WebAuthn assertion; null or absent: none. */
  passkey?: PasskeyRecord | null;
}

/** A device's WebAuthn credential (one per device), as verified at registration. */
export interface PasskeyRecord {
  /** Credential id, base64url. */
  credentialId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter after the last accepted assertion (0 if it keeps none). */
  counter: number;
  transports: string[];
  createdAt: number;
}

export interface InviteRecord {
  codeHash: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
}

export interface AccountRecord {
  id: string;
  issuer: string;
  label: string;
  createdAt: number;
  /** The devices holding this account's secret: they are notified and may answer. */
  deviceIds: string[];
}

export interface LinkRecord {
  id: string;
  accountId: string;
  name: string;
  /** SHA-256 of the token; the token itself is never stored. */
  tokenHash: string;
  tokenHint: string;
  createdAt: number;
  lastUsedAt: number | null;
  paused: boolean;
  revokedAt: number | null;
  /** Which CI runs may use the link (checked with their OIDC token); null: anyone holding the token. */
  policy: LinkPolicy | null;
}

/**
 * What a device answered: codes in the clear, a JWE for CI's key that the
 * server only relays, or (a web challenge) that the registry's page was opened.
 */
export type StoredAnswer = { codes: TimedCode[] } | { jwe: string } | { opened: true };

export interface RequestRecord {
  id: string;
  linkId: string;
  accountId: string;
  idempotencyKey: string | null;
  package: PackageInfo | null;
  context: CiContext | null;
  /**
   * Left null by the relay: the token is verified before the request is
   * created and only its claims are kept, since the token itself could be
   * replayed while it is valid.
   */
  oidcToken: string | null;
  /** Claims proven by the request's OIDC token (VerifiedClaims); null without a policy. */
  verified: Record<string, string> | null;
  publicKey: P256PublicJwk | null;
  /** What the registry was asked to do, read by the CLI from the challenged request; null: not sent. */
  operation: RegistryOperation | null;
  /** The registry's challenge; a `web` one's `authUrl` is wiped once the request is no longer pending. */
  challenge: ChallengeView;
  /** CI's offer to take codes for the rest of its run; null: one code. */
  run: { seconds: number } | null;
  requester: Requester;
  createdAt: number;
  expiresAt: number;
  status: RequestStatus;
  /** Present from approval until delivery or expiry, then wiped. */
  answer: StoredAnswer | null;
  answeredBy: AnsweredBy | null;
  answeredAt: number | null;
  deliveredAt: number | null;
}

/** An audit log entry as stored: the entry devices see, filed under its account. */
export type AuditRecord = AuditEntry & { accountId: string };

/** Requests are forgotten this long after they expire (the audit log keeps their story). */
export const REQUEST_RETENTION_MS = 24 * 60 * 60 * 1000;

/** How long the audit log keeps a request's entry (`sweep` prunes older ones). */
export const AUDIT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
/** How long it keeps a refused call's entry: refusals cost a caller nothing, so they go sooner. */
export const REFUSAL_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Which entries of the audit log: those of requests (a device was asked), or refused calls. */
export type AuditKind = "requests" | "refusals";

/**
 * The per-link limits `createRequest` checks in the same atomic step as it
 * creates the request: at most `maxPending` pending, unexpired requests of the
 * link, and at most `maxPerHour` created in the hour `(now - 1 h, now]`.
 */
export interface RequestLimits {
  maxPending: number;
  maxPerHour: number;
  now: number;
}

/** Why `createRequest` refused under its limits, and when a new request could pass. */
export type LimitRefusal =
  | { limit: "pending"; pending: number; retryAt: number }
  | { limit: "hourly"; retryAt: number };

export type CreateRequestOutcome =
  | { request: RequestRecord; created: boolean; refused?: undefined }
  /** Refused under `limits`: nothing was written. */
  | { request?: undefined; created: false; refused: LimitRefusal };

/** A device's answer to a pending request, as `answerRequest` records it. */
export interface AnswerInput {
  status: "approved" | "denied";
  answer: StoredAnswer | null;
  answeredBy: AnsweredBy;
  answeredAt: number;
}

/** A change to an audit entry: its outcome, who answered, a message. */
export type AuditPatch = Partial<Pick<AuditRecord, "outcome" | "answeredBy" | "message" | "runUntil">>;

export type AnswerOutcome =
  | { ok: true; request: RequestRecord }
  /** Someone answered first, or the request expired: `request` is how it stands now. */
  | { ok: false; request: RequestRecord };

/**
 * What ends a wait early (`waitForAnswer`): an AbortSignal, or the relay's own
 * lighter per-call wait (http/ciRoutes.ts) — Node builds every AbortSignal
 * with a hidden class of its own, ≈ 0.5 KB kept per waiting call.
 */
export interface WaitSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/**
 * Storage and the wait/notify rendezvous of the relay. Every implementation
 * must pass `runStoreContract` (storeContract.ts). Guarantees:
 *
 * - **First answer wins.** `answerRequest` is a compare-and-set on a pending,
 *   unexpired request: of any number of concurrent answers exactly one
 *   returns `ok: true`; the others see the winner.
 * - **Waiters are woken after commit.** `waitForAnswer` resolves once the
 *   request is no longer pending as readers see it (never before the answer is
 *   durable), or when its timeout or abort signal fires; it then returns the
 *   request as stored. An answer committed before the wait began is seen at once.
 * - **Delivered once.** `takeAnswer` hands out an approved request's answer to
 *   exactly one caller and wipes it; wiped or expired answers leave no trace in
 *   storage (files, journals and logs included, as far as the backend allows).
 *   The same goes for a web challenge's `authUrl` once the request is answered,
 *   withdrawn or expired.
 * - **Single use.** `claimInvite`, `claimSetting` and `rememberNonce` succeed
 *   once per value.
 * - **Idempotent creation.** `createRequest` with an idempotency key already
 *   used on the same link returns the existing request and `created: false`.
 * - **Limits hold under concurrency.** `createRequest` with `limits` checks
 *   and creates in one step: SQLite in one transaction; Firestore by the
 *   `create()` of the link's next sequence number (see FirestoreStore).
 * - **The audit log follows.** The audit entry or patch given to
 *   `createRequest`, `answerRequest` and `takeAnswer` is written only when the
 *   call changed the request (created it, won the answer, took the answer).
 *   SQLite writes both in one transaction; Firestore writes the request's
 *   entry in the same batch and applies a patch right after it.
 * - **Withdrawn like an answer.** `withdrawRequest` takes the same
 *   compare-and-set door as `answerRequest`: a request is answered or
 *   withdrawn, never both.
 */
export interface Store {
  /** "sqlite", "firestore": shown by the health endpoint. */
  readonly kind: string;

  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  /**
   * Stores `value` under `key` unless the key already holds one, atomically;
   * returns what the key holds afterwards. Of callers racing to create the
   * same key (instances cold-starting together), one value wins and every
   * caller gets that value.
   */
  createSetting(key: string, value: string): Promise<string>;
  /** Deletes `key` if it holds `expected`; true for the one caller that did. */
  claimSetting(key: string, expected: string): Promise<boolean>;

  createDevice(device: DeviceRecord): Promise<void>;
  getDevice(id: string): Promise<DeviceRecord | null>;
  listDevices(): Promise<DeviceRecord[]>;
  updateDevice(
    id: string,
    patch: Partial<Pick<DeviceRecord, "name" | "lastSeenAt" | "push" | "passkey">>,
  ): Promise<void>;
  /** Deletes the device and removes it from every account it held. */
  deleteDevice(id: string): Promise<void>;

  /** Records a nonce until `expiresAt`; false when it was already recorded. */
  rememberNonce(key: string, expiresAt: number): Promise<boolean>;

  createInvite(invite: InviteRecord): Promise<void>;
  /** Deletes and returns an unexpired invite; null when unknown, used or expired. */
  claimInvite(codeHash: string, now: number): Promise<InviteRecord | null>;
  /** Unexpired invites, oldest first. */
  listInvites(now: number): Promise<InviteRecord[]>;
  /** Deletes an invite (used or not); true when there was one. */
  deleteInvite(codeHash: string): Promise<boolean>;

  createAccount(account: AccountRecord): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | null>;
  listAccounts(): Promise<AccountRecord[]>;
  updateAccount(id: string, patch: Partial<Pick<AccountRecord, "issuer" | "label" | "deviceIds">>): Promise<void>;
  deleteAccount(id: string): Promise<void>;

  createLink(link: LinkRecord): Promise<void>;
  getLink(id: string): Promise<LinkRecord | null>;
  findLinkByTokenHash(tokenHash: string): Promise<LinkRecord | null>;
  listLinks(accountId: string): Promise<LinkRecord[]>;
  updateLink(
    id: string,
    patch: Partial<Pick<LinkRecord, "name" | "paused" | "revokedAt" | "lastUsedAt" | "policy">>,
  ): Promise<void>;

  /**
   * Creates the request and, when it was created, its audit entry `audit` (see
   * the guarantees above). With `limits`, the link's limits are checked in the
   * same atomic step: of any number of concurrent calls no more pass than the
   * limits allow; a refused call writes nothing and says which limit. A call
   * with an idempotency key already used on the link joins that request
   * whatever the limits.
   */
  createRequest(request: RequestRecord, audit?: AuditRecord): Promise<{ request: RequestRecord; created: boolean }>;
  createRequest(
    request: RequestRecord,
    audit: AuditRecord | undefined,
    limits: RequestLimits,
  ): Promise<CreateRequestOutcome>;
  getRequest(id: string): Promise<RequestRecord | null>;
  findRequestByIdempotencyKey(linkId: string, idempotencyKey: string): Promise<RequestRecord | null>;
  /** Pending, unexpired requests of the given accounts, oldest first. */
  listPendingRequests(accountIds: string[], now: number): Promise<RequestRecord[]>;
  /** Requests of a link created at or after `since`, and how many of them are still pending. */
  countLinkRequests(
    linkId: string,
    since: number,
    now: number,
  ): Promise<{ total: number; pending: number; oldestPendingExpiresAt: number | null; oldestCreatedAt: number | null }>;
  /**
   * Compare-and-set from pending to approved or denied (see the guarantees
   * above); the winner's `audit` patch goes to the audit entry with the request's id.
   *
   * `handOver`, given with an approval's answer, is the audit patch of its
   * delivery. A store may then hand the answer straight to one CI call waiting
   * in this process (`waitForAnswer`), in the same commit as the answer: the
   * request is stored as delivered (`deliveredAt` set, the answer never
   * written, `handOver` applied after `audit`), and that one waiter gets it
   * with `answer` and `deliveredAt` both set — a pair storage never holds
   * (domain/delivery.ts, `handedOver`) — so it does not call `takeAnswer`.
   * Other waiters are woken with the request as stored. A store that does not
   * hand over ignores `handOver`.
   */
  answerRequest(id: string, answer: AnswerInput, audit?: AuditPatch, handOver?: AuditPatch): Promise<AnswerOutcome>;
  /**
   * Compare-and-set from pending to expired, for CI withdrawing its request
   * (see the guarantees above); wakes waiters like an answer. `ok: false`
   * with the request as it stands when it was no longer pending.
   */
  withdrawRequest(id: string, audit?: AuditPatch): Promise<AnswerOutcome>;
  /**
   * Hands out and wipes an approved request's answer; null when already
   * taken, wiped or not approved. The taker's `audit` patch goes to the audit
   * entry with the request's id.
   */
  takeAnswer(id: string, now: number, audit?: AuditPatch): Promise<RequestRecord | null>;
  /** Resolves when the request is no longer pending, or at the timeout or abort; null for an unknown request. */
  waitForAnswer(id: string, timeoutMs: number, signal?: WaitSignal): Promise<RequestRecord | null>;
  /**
   * Marks pending requests past `expiresAt` expired, wipes undelivered
   * answers of expired requests, forgets requests a day past expiry, drops
   * expired nonces and invites, and prunes the audit log (requests' entries
   * after AUDIT_RETENTION_MS, refusals after REFUSAL_RETENTION_MS). Returns
   * the requests it expired.
   */
  sweep(now: number): Promise<RequestRecord[]>;

  addAudit(entry: AuditRecord): Promise<void>;
  /**
   * Files a refused call (an entry without `requestId`) under `entry.id`, or,
   * when an entry with that id exists, counts it there (`count`, `lastAt`):
   * the caller picks an id per link, outcome, message and minute, so a flood
   * of identical refusals is one row.
   */
  countRefusal(entry: AuditRecord): Promise<void>;
  /** Applies `patch` to the audit entry `id`; nothing when there is none. */
  updateAudit(id: string, patch: AuditPatch): Promise<void>;
  /** Newest first; with `kind`, only requests' entries or only refusals (each kind its own `limit`). */
  listAudit(accountId: string, limit: number, kind?: AuditKind): Promise<AuditRecord[]>;

  /**
   * Files a security event. Events go only by age (`pruneSecurityEvents`),
   * never by count: a device that causes events must not be able to push
   * older ones, e.g. its own pairing, out of the log. Filing an event whose
   * id is already filed changes nothing.
   */
  addSecurityEvent(event: SecurityEvent): Promise<void>;
  /** Newest first, at most `limit`; with `before`, only events filed before that time. */
  listSecurityEvents(limit: number, before?: number): Promise<SecurityEvent[]>;
  /** Deletes events filed before `before`; returns how many went. */
  pruneSecurityEvents(before: number): Promise<number>;

  close(): Promise<void>;
}
