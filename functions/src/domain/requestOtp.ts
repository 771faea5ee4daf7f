import {
  NPM_PACKAGE_NAME,
  OIDC_TOKEN_HEADER,
  type OtpRequestBody,
  type OtpResponse,
  pickValidCode,
  SEMVER_VERSION,
} from "@countersign/shared";
import type { Config } from "../config.js";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { hashSecret, newId } from "../secrets.js";
import type {
  AccountRecord,
  AuditRecord,
  LimitRefusal,
  LinkRecord,
  RequestRecord,
  WaitSignal,
} from "../store/Store.js";
import { approvalPayload, toApprovalView } from "./approvals.js";
import { deliveryAudit, handedOver } from "./delivery.js";
import { findLinkByToken } from "./links.js";
import { notifyDevices, notifyExpired } from "./notifyDevices.js";
import { sweepExpired } from "./sweepExpired.js";
import { usageIsStale } from "./usage.js";

export interface OtpCall {
  token: string;
  body: OtpRequestBody;
  idempotencyKey: string | null;
  ip: string;
  userAgent: string | null;
  /**
   * The method of the call that would create the request; `GET` is the plain
   * GET of the link URL, with no body (what link previews and scanners send).
   * Absent for a resume or withdrawal, which create nothing.
   */
  method?: "GET" | "POST";
}

/** How long to hold a CI call open: what it asked (or the default), at most the server's maximum. */
export function waitSeconds(config: Pick<Config, "defaultWaitSeconds" | "maxWaitSeconds">, requested?: number): number {
  return Math.max(0, Math.min(requested ?? config.defaultWaitSeconds, config.maxWaitSeconds));
}

function requesterOf(call: OtpCall): RequestRecord["requester"] {
  return { ip: call.ip, userAgent: call.userAgent, ...(call.method ? { method: call.method } : {}) };
}

type AuditFields = {
  id: string;
  requestId: string | null;
  outcome: "pending" | "paused" | "rate_limited" | "policy_refused";
  message: string | null;
  verified?: Record<string, string> | null;
};

function auditEntry(deps: Deps, link: LinkRecord, call: OtpCall, fields: AuditFields): AuditRecord {
  const { operation, challenge } = call.body;
  return {
    ...fields,
    accountId: link.accountId,
    at: deps.clock.now(),
    linkId: link.id,
    linkName: link.name,
    package: call.body.package ?? null,
    claimed: call.body.context ?? null,
    verified: fields.verified ?? null,
    requester: requesterOf(call),
    answeredBy: null,
    // Only when sent, so the entries of plain code requests stay as they were.
    ...(operation ? { operation } : {}),
    ...(challenge ? { challenge: challenge.type } : {}),
  };
}

/**
 * Files a refused call. Identical refusals (same link, outcome and message)
 * within a minute share one entry, counted: a flood of refused calls is a
 * row a minute per reason, not a row per call, and cannot push the link's
 * real requests out of its history.
 */
async function audit(deps: Deps, link: LinkRecord, call: OtpCall, fields: AuditFields) {
  const minute = Math.floor(deps.clock.now() / 60_000);
  const id = `refusal.${link.id}.${fields.outcome}.${minute}.${hashSecret(fields.message ?? "").slice(0, 16)}`;
  await deps.store.countRefusal(auditEntry(deps, link, call, { ...fields, id }));
}

/** The refusal of a request over the link's limits, recorded in the history (no device hears of it). */
async function refuseOverLimit(deps: Deps, link: LinkRecord, call: OtpCall, refused: LimitRefusal): Promise<never> {
  const now = deps.clock.now();
  const retryAfterSeconds = Math.max(1, Math.ceil((refused.retryAt - now) / 1000));
  const refusal =
    refused.limit === "pending"
      ? new AppError(
          "rate_limited",
          `This link already has ${refused.pending} requests waiting for an answer. Answer or let them expire first.`,
          { retryAfterSeconds },
        )
      : new AppError(
          "rate_limited",
          `This link reached its limit of ${deps.config.maxRequestsPerLinkPerHour} requests per hour.`,
          { retryAfterSeconds },
        );
  await audit(deps, link, call, {
    id: newId(deps.random),
    requestId: null,
    outcome: "rate_limited",
    message: refusal.message,
  });
  throw refusal;
}

/** What a job must set up to send a token the link's policy can check. */
function missingTokenMessage(audience: string, resuming: boolean): string {
  return (
    "This link only answers CI jobs that prove which repository and workflow they run with an OIDC token, " +
    `and this ${resuming ? "resume" : "request"} carried none. ` +
    (resuming
      ? `Send the job's token in the ${OIDC_TOKEN_HEADER} header (the countersign CLI does).`
      : "On GitHub Actions give the job `permissions: id-token: write`; " +
        `on GitLab CI declare \`id_tokens: COUNTERSIGN_ID_TOKEN: aud: ${audience}\`. ` +
        "The countersign CLI then sends the token.")
  );
}

async function refuseByPolicy(deps: Deps, link: LinkRecord, call: OtpCall, message: string): Promise<never> {
  await audit(deps, link, call, { id: newId(deps.random), requestId: null, outcome: "policy_refused", message });
  deps.log.info("request refused by the link's policy", { linkId: link.id, reason: message });
  throw new AppError("policy", message);
}

/**
 * For a link with a policy: the claims of the caller's OIDC token once it
 * passes the policy. A missing or failing token is refused (`policy`) and
 * recorded in the audit log; no device hears of it. Null for a link without
 * a policy (any token sent is then ignored).
 */
async function verifyCaller(
  deps: Deps,
  link: LinkRecord,
  call: OtpCall,
  resuming = false,
): Promise<Record<string, string> | null> {
  if (!link.policy) return null;
  const audience = link.policy.audience ?? deps.config.publicUrl;
  if (!call.body.oidcToken) return refuseByPolicy(deps, link, call, missingTokenMessage(audience, resuming));
  const result = await deps.oidc.verify(call.body.oidcToken, link.policy, { audience: deps.config.publicUrl });
  if (!result.ok) return refuseByPolicy(deps, link, call, result.reason);
  return result.claims;
}

/**
 * The rules between the registry relay's fields that the schema cannot state.
 * Checked before anything else, like the schema: a refused body starts nothing.
 */
function checkRegistryFields(body: OtpRequestBody) {
  if (body.run && !body.publicKey) {
    throw new AppError(
      "bad_request",
      "run needs publicKey: codes for the rest of a run travel only encrypted to the CI job's own key.",
    );
  }
  if (body.run && body.challenge?.type === "web") {
    throw new AppError(
      "bad_request",
      "run cannot go with a web challenge: the registry's passkey page gives no codes to hand out in advance.",
    );
  }
}

/** Whether an account is an npm one (its issuer names npm), whose packages follow npm's rules. */
export function isNpmAccount(account: Pick<AccountRecord, "issuer">): boolean {
  return /^(npm|npmjs|npmjs\.com|npmjs\.org|registry\.npmjs\.org|www\.npmjs\.com)$/i.test(account.issuer.trim());
}

/**
 * For an npm account, the package CI claims must be a valid npm name and a
 * semver version: anything else (look-alike letters, spaces, an endless
 * name that pushes the repository out of the notification) could not be
 * published anyway, and is refused before anyone is asked.
 */
function checkPackageForAccount(account: AccountRecord, pkg: OtpRequestBody["package"]) {
  if (!pkg || !isNpmAccount(account)) return;
  if (pkg.name.length > 214 || !NPM_PACKAGE_NAME.test(pkg.name)) {
    throw new AppError(
      "bad_request",
      "package.name is not a valid npm package name (lowercase ASCII, optional @scope/).",
    );
  }
  if (pkg.version !== undefined && (!SEMVER_VERSION.test(pkg.version) || pkg.version.startsWith("v"))) {
    throw new AppError("bad_request", "package.version is not a semver version such as 1.2.3.");
  }
}

/** JSON with sorted keys, to compare values a store may hand back with their keys in another order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** A public key as compared between a request and its retry: the point only (JWK extras such as `ext` aside). */
function keyPoint(key: { x: string; y: string } | null | undefined): string | null {
  return key ? `${key.x}.${key.y}` : null;
}

/**
 * Whether a retry asks for what its request asked: the same public key (or
 * none), package, context, operation, challenge and run offer. The approver
 * decided on what the request showed, and the answer is readable only with
 * the request's key, so a call that differs in any of these must not join:
 * whoever created the request first (an attacker holding a leaked link and
 * guessing the key) would otherwise decide who reads the code. A web
 * challenge's authUrl is wiped once the request is answered; then only the
 * challenge's type can be compared.
 */
export function asksTheSame(request: RequestRecord, body: OtpRequestBody): boolean {
  const challenge = body.challenge ?? { type: "otp" };
  const stored = request.challenge;
  const sameChallenge =
    challenge.type === stored.type &&
    (challenge.type !== "web" || stored.type !== "web" || !stored.authUrl || stored.authUrl === challenge.authUrl);
  return (
    sameChallenge &&
    keyPoint(request.publicKey) === keyPoint(body.publicKey) &&
    canonicalJson(request.package) === canonicalJson(body.package ?? null) &&
    canonicalJson(request.context) === canonicalJson(body.context ?? null) &&
    canonicalJson(request.operation) === canonicalJson(body.operation ?? null) &&
    (request.run?.seconds ?? null) === (body.run?.seconds ?? null)
  );
}

/** A joined request, once it is known to come from the same CI run and to ask the same. */
async function join(
  deps: Deps,
  link: LinkRecord,
  call: OtpCall,
  request: RequestRecord,
  verified: Record<string, string> | null,
): Promise<RequestRecord> {
  const joined = await sameRun(deps, link, call, request, verified, RETRY_OF_ANOTHER_RUN);
  if (!asksTheSame(joined, call.body)) {
    throw new AppError(
      "conflict",
      "This Idempotency-Key belongs to a request that asked for something else (another publicKey, package " +
        "or context, or another registry operation or challenge); use a new, random key for a new request.",
      { requestId: joined.id },
    );
  }
  return joined;
}

/**
 * Starts (or, with an Idempotency-Key already used on this link, joins) a CI
 * request for a code and notifies every device holding the account. A joined
 * request notifies nobody again. On a link with a policy, the caller's OIDC
 * token is verified first, a retry's too: it joins only a request of the same
 * CI run, whose verified claims stay as they were. A retry that differs from
 * its request (see asksTheSame) is a `conflict`: a join never changes who can
 * read the answer.
 */
export async function requestOtp(
  deps: Deps,
  call: OtpCall,
  onCreated?: (request: RequestRecord) => void,
): Promise<RequestRecord> {
  checkRegistryFields(call.body);
  const link = await findLinkByToken(deps, call.token);
  const account = await deps.store.getAccount(link.accountId);
  if (!account)
    throw new AppError("unauthorized", "Unknown or revoked link. Create a new link in the Countersign app.");
  if (account.deviceIds.length === 0) throw new AppError("forbidden", NO_HOLDER);
  checkPackageForAccount(account, call.body.package);
  const now = deps.clock.now();
  if (usageIsStale(link.lastUsedAt, now)) await deps.store.updateLink(link.id, { lastUsedAt: now });
  const verified = await verifyCaller(deps, link, call);

  if (call.idempotencyKey) {
    const joined = await deps.store.findRequestByIdempotencyKey(link.id, call.idempotencyKey);
    if (joined) return join(deps, link, call, joined, verified);
  }
  if (link.paused) {
    await audit(deps, link, call, { id: newId(deps.random), requestId: null, outcome: "paused", message: null });
    throw new AppError("denied", "This link is paused. Resume it in the Countersign app.");
  }
  const id = newId(deps.random);
  // The limits are checked by the store in the same atomic step as the creation:
  // concurrent calls cannot all pass a check that each read before the others wrote.
  const outcome = await deps.store.createRequest(
    {
      id,
      linkId: link.id,
      accountId: link.accountId,
      idempotencyKey: call.idempotencyKey,
      package: call.body.package ?? null,
      context: call.body.context ?? null,
      oidcToken: null,
      verified,
      publicKey: call.body.publicKey ?? null,
      operation: call.body.operation ?? null,
      challenge: call.body.challenge ?? { type: "otp" },
      run: call.body.run ?? null,
      requester: requesterOf(call),
      createdAt: now,
      expiresAt: now + deps.config.requestTtlSeconds * 1000,
      status: "pending",
      answer: null,
      answeredBy: null,
      answeredAt: null,
      deliveredAt: null,
    },
    auditEntry(deps, link, call, { id, requestId: id, outcome: "pending", message: null, verified }),
    { maxPending: deps.config.maxPendingPerLink, maxPerHour: deps.config.maxRequestsPerLinkPerHour, now },
  );
  if (outcome.refused) return refuseOverLimit(deps, link, call, outcome.refused);
  const { request, created } = outcome;
  if (!created) return join(deps, link, call, request, verified);
  deps.log.info("request created", { requestId: request.id, linkId: link.id, devices: account.deviceIds.length });
  // Before the phones ring: a CI call that starts waiting here is waiting when the answer comes,
  // however fast, and gets it handed over (Store.answerRequest).
  onCreated?.(request);
  await notifyDevices(deps, account.deviceIds, approvalPayload(toApprovalView(request, account, link)));
  return request;
}

/**
 * A retry joins its request, and a resume collects it, only when it comes
 * from the CI run the request was verified for; `refusal` words the refusal
 * given the request's run.
 */
async function sameRun(
  deps: Deps,
  link: LinkRecord,
  call: OtpCall,
  request: RequestRecord,
  verified: Record<string, string> | null,
  refusal: (requestRun: string) => string,
): Promise<RequestRecord> {
  if (verified && request.verified?.runUrl !== verified.runUrl) {
    return refuseByPolicy(deps, link, call, refusal(request.verified?.runUrl ?? "unverified"));
  }
  return request;
}

const RETRY_OF_ANOTHER_RUN = (run: string) =>
  `this Idempotency-Key belongs to a request from another CI run (${run}); use a new key`;

/** How far before its deadline by the clock a wait's timer may fire (the event loop's cached time). */
const TIMER_SLACK_MS = 50;

/**
 * Waits up to `seconds` for the answer and delivers it: the code valid now
 * (or the device's JWE, untouched). The answer is wiped as it is handed out,
 * so it is delivered once. Throws `denied`, `expired`, or `timeout` (resumable
 * with the request id).
 */
export async function awaitOtp(
  deps: Deps,
  request: RequestRecord,
  seconds: number,
  signal?: WaitSignal,
): Promise<OtpResponse> {
  const start = deps.clock.now();
  const deadline = start + Math.min(seconds * 1000, Math.max(0, request.expiresAt - start));
  let current = (await deps.store.waitForAnswer(request.id, deadline - start, signal)) ?? request;
  // Node runs a timer against the event loop's cached time, which can trail the clock by a few
  // milliseconds on a busy machine: a wait can end just before its deadline by the clock, and a
  // request whose time was up a moment later would be answered "no answer yet" (408), not expired.
  // What is left of the wait is waited out: at most three more times, each under TIMER_SLACK_MS.
  for (let tries = 0; tries < 3 && current.status === "pending" && !signal?.aborted; tries++) {
    const left = deadline - deps.clock.now();
    if (left <= 0 || left > TIMER_SLACK_MS) break;
    current = (await deps.store.waitForAnswer(request.id, left + 1, signal)) ?? current;
  }
  const now = deps.clock.now();
  if (current.status === "pending" && now >= current.expiresAt) {
    await sweepExpired(deps);
    current = (await deps.store.getRequest(request.id)) ?? { ...current, status: "expired" };
  }
  switch (current.status) {
    case "pending":
      throw new AppError("timeout", "No answer yet. Resume with GET /api/v1/requests/<requestId>.", {
        requestId: current.id,
      });
    case "denied":
      throw new AppError("denied", `Denied on ${current.answeredBy?.deviceName ?? "a device"}.`, {
        requestId: current.id,
      });
    case "expired":
      // The sweep expires a request only once its time is up: expired before that, it was cancelled.
      if (now < current.expiresAt) throw await cancellationError(deps, current);
      throw new AppError("expired", "The request expired without an answer. Start a new one.", {
        requestId: current.id,
      });
    case "approved":
      return deliver(deps, current);
  }
}

/**
 * Why a request ended before its time: its link was revoked (or its account
 * deleted), paused, its account lost its last holder (see
 * cancelPendingRequests), or else CI withdrew it. Worded as a new call on the
 * link would be refused, so CI's step fails with the reason.
 */
async function cancellationError(deps: Pick<Deps, "store">, request: RequestRecord): Promise<AppError> {
  const extra = { requestId: request.id };
  const [link, account] = await Promise.all([
    deps.store.getLink(request.linkId),
    deps.store.getAccount(request.accountId),
  ]);
  if (!link || link.revokedAt !== null || !account) {
    return new AppError(
      "unauthorized",
      "This link was revoked (or its account removed) in the Countersign app; the request was cancelled.",
      extra,
    );
  }
  if (account.deviceIds.length === 0) return new AppError("forbidden", NO_HOLDER, extra);
  if (link.paused) {
    return new AppError(
      "denied",
      "This link was paused in the Countersign app; the request was cancelled. Resume the link to ask again.",
      extra,
    );
  }
  return new AppError("expired", "The request was withdrawn by CI. Start a new one.", extra);
}

/** Refusal for an account no device holds any more: nobody could be asked. */
export const NO_HOLDER =
  "No device holds this link's account any more, so nobody can be asked. " +
  "Add the account on a paired device (by transfer from a device that holds it) or create a new link.";

async function deliver(deps: Deps, request: RequestRecord): Promise<OtpResponse> {
  const now = deps.clock.now();
  // An answer never changes once given, so the audit outcome follows from the one read. Handed
  // over with the approval, it was recorded as delivered in the approval's own commit.
  const taken = handedOver(request)
    ? request
    : await deps.store.takeAnswer(request.id, now, deliveryAudit(request.answer, now));
  if (!taken?.answer) {
    throw new AppError("expired", "This request's code was already delivered. Start a new request for a new code.", {
      requestId: request.id,
    });
  }
  const base = {
    requestId: taken.id,
    approvedAt: taken.answeredAt ?? now,
    ...(taken.answeredBy ? { approvedBy: taken.answeredBy.deviceName } : {}),
  };
  if ("jwe" in taken.answer) return { ...base, jwe: taken.answer.jwe };
  if ("opened" in taken.answer) {
    deps.log.info("passkey page opened, delivered", { requestId: taken.id });
    return { ...base, opened: true };
  }
  const code = pickValidCode(taken.answer.codes, now);
  if (!code) {
    throw new AppError(
      "expired",
      "The approved code is no longer valid (it was not collected in time). Start a new request.",
      {
        requestId: taken.id,
      },
    );
  }
  deps.log.info("code delivered", { requestId: taken.id });
  return { ...base, otp: code.otp, validUntil: code.notAfter };
}

/** A CI call about a request it started: resuming it or withdrawing it. */
interface RequestCall {
  token: string;
  requestId: string;
  oidcToken?: string;
  ip: string;
  userAgent: string | null;
}

/**
 * The request `call` names, once the caller has shown it may act on it: the
 * same link token and, on a link with a policy, an OIDC token
 * (`x-countersign-oidc-token`) that passes the policy and comes from the same
 * CI run as the request. The link token and the request id alone, which may
 * show in a CI log, are not enough there.
 */
async function callersRequest(deps: Deps, call: RequestCall, action: string): Promise<RequestRecord> {
  const link = await findLinkByToken(deps, call.token);
  const request = await deps.store.getRequest(call.requestId);
  if (!request || request.linkId !== link.id) throw new AppError("not_found", "No such request for this link.");
  if (link.policy) {
    const caller: OtpCall = {
      token: call.token,
      body: { ...(request.package ? { package: request.package } : {}), oidcToken: call.oidcToken },
      idempotencyKey: null,
      ip: call.ip,
      userAgent: call.userAgent,
    };
    const verified = await verifyCaller(deps, link, caller, true);
    await sameRun(
      deps,
      link,
      caller,
      request,
      verified,
      (run) => `this request belongs to another CI run (${run}); only that run can ${action}`,
    );
  }
  return request;
}

/**
 * Resumes a request started with the same link token (after a 408 or a lost
 * connection); see callersRequest for who may.
 */
export async function resumeOtp(
  deps: Deps,
  call: RequestCall & { seconds: number; signal?: WaitSignal },
): Promise<OtpResponse> {
  const request = await callersRequest(deps, call, "collect its code");
  return awaitOtp(deps, request, call.seconds, call.signal);
}

export const WITHDRAWN_BY_CI = "Withdrawn by CI";

/**
 * CI withdraws its pending request: the registry's challenge was met another
 * way (the passkey page was used from a computer) or the command ended. The
 * request expires at once, as if its time had run out: waiting calls get
 * `expired`, the devices are told so their notifications close, and a web
 * challenge's authUrl is wiped. A request that had already expired is left as
 * it is; one already approved or denied is a `conflict`.
 */
export async function withdrawOtp(deps: Deps, call: RequestCall): Promise<void> {
  const request = await callersRequest(deps, call, "withdraw it");
  const outcome = await deps.store.withdrawRequest(request.id, { outcome: "expired", message: WITHDRAWN_BY_CI });
  if (!outcome.ok) {
    if (outcome.request.status === "expired") return;
    throw new AppError(
      "conflict",
      `This request was already ${outcome.request.status}; there is nothing to withdraw.`,
      {
        requestId: request.id,
      },
    );
  }
  deps.log.info("request withdrawn by CI", { requestId: request.id });
  await notifyExpired(deps, request);
}
