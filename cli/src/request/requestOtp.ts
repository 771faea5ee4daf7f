import type { webcrypto } from "node:crypto";
import type { P256PublicJwk } from "../codes/createEphemeralKey.js";
import { decryptAnswer } from "../codes/decryptAnswer.js";
import { pickCode } from "../codes/pickCode.js";
import type { TimedCode } from "../codes/timedCode.js";
import type { CiContext } from "../context/detectCiContext.js";
import type { PackageInfo } from "../context/readPackageInfo.js";
import { type Failure, failure } from "../failure.js";
import type { Link } from "../link/resolveLink.js";
import type { RegistryOperation } from "../relay/readOperation.js";
import { describeFetchError } from "./describeFetchError.js";
import { parseRetryAfter } from "./parseRetryAfter.js";

/** The resume's OIDC token header (`OIDC_TOKEN_HEADER` in @countersign/shared, which the CLI does not bundle). */
export const OIDC_TOKEN_HEADER = "x-countersign-oidc-token";

/** The body of `POST /api/v1/otp` (the server's schema is strict: nothing else may be sent). */
export interface OtpRequestBody {
  package?: PackageInfo;
  context?: CiContext;
  oidcToken?: string;
  wait?: number;
  publicKey?: P256PublicJwk;
  /** What the registry was asked to do, read from the challenged request. */
  operation?: RegistryOperation;
  /** The registry's challenge; absent: a code. */
  challenge?: { type: "otp" } | { type: "web"; authUrl: string };
  /** Offer the approver to cover the rest of the run with codes computed in advance. */
  run?: { seconds: number };
}

export interface DeliveredCode {
  otp: string;
  requestId: string;
  /** End of the code's 30-s window, ms since epoch, when known. */
  validUntil?: number;
  approvedBy?: string;
  approvedAt?: number;
  /** True when the code came end-to-end encrypted from the phone. */
  encrypted: boolean;
  /** False when no code's window contains this machine's clock (clock skew); the nearest was taken. */
  exact: boolean;
  /** Every code the answer held (the current and next one, or the whole run's). */
  codes: TimedCode[];
  /** The approver covered the rest of the run: codes until this time, ms since epoch. */
  runUntil?: number;
}

/** A `web` challenge's answer: the approver opened the registry's page on the phone. */
export interface OpenedAnswer {
  opened: true;
  requestId: string;
  approvedBy?: string;
}

export type OtpOutcome = { ok: true; value: DeliveredCode } | { ok: false; failure: Failure };
export type AnswerOutcome = { ok: true; value: DeliveredCode | OpenedAnswer } | { ok: false; failure: Failure };

export interface RequestOtpOptions {
  link: Link;
  /** Everything but `wait`, which is set per HTTP call from the time left. */
  body: Omit<OtpRequestBody, "wait">;
  /** Total time to wait for an answer. */
  waitSeconds: number;
  /** Same for every retry of this invocation, so the server joins them into one request. */
  idempotencyKey: string;
  userAgent: string;
  /** Opens a JWE answer; required when `body.publicKey` is sent. */
  privateKey?: webcrypto.CryptoKey;
  /**
   * Called before each repeated POST: a fresh OIDC token, since a short-lived
   * one (GitHub's live minutes) may have expired while the server was down.
   */
  refreshOidcToken?: () => Promise<string | undefined>;
  /** Notes for --verbose (never containing the token). */
  onDebug?: (message: string) => void;
  /** Transient problems worth a line in the log (retries, rate limits). */
  onNotice?: (message: string) => void;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Stops waiting (the registry's challenge was met another way); the outcome is then a timeout. */
  signal?: AbortSignal;
  /**
   * Learn the request id at once: the first POST asks the server to hold it
   * for no time (408 with the id), and the wait goes on as a resume. Costs a
   * round trip; lets the caller withdraw the request (withdrawRequest).
   */
  onRequestId?: (requestId: string) => void;
}

/** Longest wait asked of the server in one HTTP call; stays under undici's 300-s header timeout. */
export const MAX_WAIT_PER_CALL = 240;
const BACKOFF_START_MS = 500;
const BACKOFF_CAP_MS = 5000;
/** Extra time past the deadline a call may take before it is abandoned. */
const CALL_GRACE_MS = 15_000;

interface ErrorJson {
  error?: string;
  message?: string;
  requestId?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function asErrorJson(body: unknown): ErrorJson {
  if (typeof body !== "object" || body === null) return {};
  const { error, message, requestId } = body as Record<string, unknown>;
  return {
    error: typeof error === "string" ? error : undefined,
    message: typeof message === "string" ? message : undefined,
    requestId: typeof requestId === "string" ? requestId : undefined,
  };
}

function serverSays(json: ErrorJson): string {
  return json.message ? ` The server says: ${json.message}` : "";
}

/**
 * Asks the relay for a code and waits for the phone's answer. Survives
 * dropped connections, 408s, 5xx and server restarts: before a request id is
 * known it repeats the POST with the same Idempotency-Key (the server joins
 * it), afterwards it resumes with `GET /api/v1/requests/<id>`, with capped
 * backoff, until `waitSeconds` run out. Honours `Retry-After` on 429.
 */
export async function requestOtp(options: RequestOtpOptions): Promise<OtpOutcome> {
  const outcome = await requestAnswer(options);
  if (outcome.ok && "opened" in outcome.value) {
    return { ok: false, failure: failure("unexpected", "The server answered without a code.") };
  }
  return outcome as OtpOutcome;
}

/**
 * Like requestOtp, for any challenge: a `web` challenge's answer is that the
 * approver opened the registry's page (OpenedAnswer).
 */
export async function requestAnswer(options: RequestOtpOptions): Promise<AnswerOutcome> {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const debug = options.onDebug ?? (() => {});
  const notice = options.onNotice ?? (() => {});
  const { link } = options;
  const deadline = now() + options.waitSeconds * 1000;
  const headers = {
    Authorization: `Bearer ${link.token}`,
    Accept: "application/json",
    "User-Agent": options.userAgent,
    "Idempotency-Key": options.idempotencyKey,
  };

  let requestId: string | undefined;
  let body = options.body;
  let posts = 0;
  let failures = 0;
  let lastProblem = "";
  let contacted = false;

  const timedOut = (extra = ""): AnswerOutcome => ({
    ok: false,
    failure: contacted
      ? failure(
          "timeout",
          `No answer from your phone within ${options.waitSeconds} s.${extra} Check that the phone gets notifications, then rerun the job (or raise --wait).`,
          { serverError: "timeout", requestId },
        )
      : failure(
          "timeout",
          `Could not reach the server at ${link.origin} within ${options.waitSeconds} s.${extra} Check the link's server part and that the server is up.`,
          { serverError: "timeout", requestId },
        ),
  });

  /** Sleeps before the next attempt; false if that would pass the deadline. */
  const backOff = async (reason: string, ms?: number): Promise<boolean> => {
    const delay = ms ?? Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** failures) * (0.8 + Math.random() * 0.4);
    failures++;
    lastProblem = reason;
    if (now() + delay >= deadline) return false;
    notice(`${reason}; retrying in ${Math.max(1, Math.round(delay / 1000))} s.`);
    await sleep(delay);
    return true;
  };

  while (true) {
    const remainingMs = deadline - now();
    // A resume with under a second left could only bounce straight back.
    if (remainingMs <= 0 || (requestId && remainingMs < 1000)) {
      return timedOut(lastProblem ? ` Last problem: ${lastProblem}.` : "");
    }
    const announcing = options.onRequestId !== undefined && !requestId;
    const wait = announcing ? 0 : Math.min(MAX_WAIT_PER_CALL, Math.floor(remainingMs / 1000));
    // A repeated POST and every resume carry a token fresh enough for the server to check.
    if ((requestId || posts++ > 0) && body.oidcToken && options.refreshOidcToken) {
      body = { ...body, oidcToken: (await options.refreshOidcToken()) ?? body.oidcToken };
    }
    const url = requestId
      ? `${link.base}/api/v1/requests/${encodeURIComponent(requestId)}?wait=${wait}`
      : `${link.base}/api/v1/otp`;
    // On a link with a policy only the run's own token collects the code on resume.
    const init: RequestInit = requestId
      ? { method: "GET", headers: body.oidcToken ? { ...headers, [OIDC_TOKEN_HEADER]: body.oidcToken } : headers }
      : {
          method: "POST",
          headers: { ...headers, "Content-Type": "application/json" },
          body: JSON.stringify({ ...body, wait }),
        };
    debug(`→ ${init.method} ${url}${requestId ? "" : ` (wait ${wait} s)`}`);

    const started = now();
    let response: Response;
    let text: string;
    try {
      const timeout = AbortSignal.timeout(remainingMs + CALL_GRACE_MS);
      const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
      response = await fetchImpl(url, { ...init, signal });
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || options.signal?.aborted)) return timedOut();
      const problem = describeFetchError(error);
      debug(`← no response (${problem.code})`);
      if (!problem.retryable) {
        return {
          ok: false,
          failure: failure(
            "unexpected",
            `Cannot reach the server at ${link.origin} (${problem.code}). Check the server part of the link.`,
            { requestId },
          ),
        };
      }
      if (!(await backOff(`Connection to the server failed (${problem.code})`)))
        return timedOut(` Last problem: ${lastProblem}.`);
      continue;
    }

    contacted = true;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const errorJson = asErrorJson(json);
    debug(
      `← ${response.status}${errorJson.error ? ` ${errorJson.error}` : ""}${errorJson.requestId ? ` requestId=${errorJson.requestId}` : ""}`,
    );

    if (response.status === 200) {
      if (json === undefined && /^\s*\d{6,8}\s*$/.test(text)) {
        const otp = text.trim();
        const code = { otp, notBefore: now(), notAfter: now() + 30_000 };
        return { ok: true, value: { otp, requestId: requestId ?? "", encrypted: false, exact: true, codes: [code] } };
      }
      return openAnswer(json, requestId, options.privateKey, now());
    }
    if (response.status === 408 && errorJson.requestId) {
      if (!requestId) options.onRequestId?.(errorJson.requestId);
      requestId = errorJson.requestId;
      failures = 0;
      lastProblem = "";
      // A server answering 408 at once (its wait clamped to 0) must not be hammered.
      if (now() - started < 1000 && wait > 1 && !(await backOff("The server answered before the wait was over"))) {
        return timedOut();
      }
      continue;
    }
    if (response.status === 408 || response.status >= 500) {
      if (!(await backOff(`The server answered HTTP ${response.status}`)))
        return timedOut(` Last problem: HTTP ${response.status}.`);
      continue;
    }
    if (response.status === 429) {
      const delay = parseRetryAfter(response.headers.get("retry-after"), now(), BACKOFF_CAP_MS);
      if (!(await backOff(`The server is rate limiting this link${serverSays(errorJson)}`, delay))) {
        return {
          ok: false,
          failure: failure(
            "timeout",
            `The server is rate limiting this link and asks to wait longer than --wait allows.${serverSays(errorJson)} Try again later.`,
            { serverError: errorJson.error ?? "rate_limited", requestId },
          ),
        };
      }
      continue;
    }
    return { ok: false, failure: classifyError(response.status, errorJson, requestId, link) };
  }
}

/**
 * Withdraws a request the phone need not answer any more (the registry's
 * challenge was met another way): it leaves the phone's screen. Best effort:
 * false when the server did not take it.
 */
export async function withdrawRequest(options: {
  link: Link;
  requestId: string;
  oidcToken?: string;
  userAgent: string;
  fetch?: typeof fetch;
}): Promise<boolean> {
  try {
    const response = await (options.fetch ?? fetch)(
      `${options.link.base}/api/v1/requests/${encodeURIComponent(options.requestId)}`,
      {
        method: "DELETE",
        headers: {
          Authorization: `Bearer ${options.link.token}`,
          "User-Agent": options.userAgent,
          ...(options.oidcToken ? { [OIDC_TOKEN_HEADER]: options.oidcToken } : {}),
        },
        signal: AbortSignal.timeout(10_000),
      },
    );
    await response.arrayBuffer();
    return response.status === 204;
  } catch {
    return false;
  }
}

function classifyError(status: number, json: ErrorJson, knownRequestId: string | undefined, link: Link): Failure {
  const requestId = json.requestId ?? knownRequestId;
  const extra = { serverError: json.error, requestId };
  if (status === 403 && json.error === "denied") {
    return failure(
      "denied",
      `Denied: ${json.message ?? "the request was denied on the phone."} No code was issued; rerun the job if this publish was expected.`,
      extra,
    );
  }
  if (status === 403 && json.error === "policy") {
    return failure(
      "unauthorized",
      `The link's policy refused this request.${serverSays(json)} Check that the job runs from the allowed repository and workflow and has \`permissions: id-token: write\` (GitHub) or an id_tokens: entry (GitLab).`,
      extra,
    );
  }
  if (status === 401 || status === 403) {
    return failure(
      "unauthorized",
      `The server does not accept this link (HTTP ${status}): it is unknown or was revoked.${serverSays(json)} Create a new link in the Countersign app and update the CI secret.`,
      extra,
    );
  }
  if (status === 404 && !knownRequestId) {
    return failure(
      "unauthorized",
      `No Countersign API at ${link.origin} (HTTP 404).${serverSays(json)} Check the server part of the link.`,
      extra,
    );
  }
  if (status === 404 || status === 410) {
    return failure(
      "timeout",
      `The request expired before it was answered.${serverSays(json)} Rerun the job to ask again.`,
      extra,
    );
  }
  if (status === 400 || status === 413) {
    return failure("unexpected", `The server refused the request (HTTP ${status}).${serverSays(json)}`, extra);
  }
  return failure("unexpected", `Unexpected answer from the server: HTTP ${status}.${serverSays(json)}`, extra);
}

async function openAnswer(
  json: unknown,
  knownRequestId: string | undefined,
  privateKey: webcrypto.CryptoKey | undefined,
  now: number,
): Promise<AnswerOutcome> {
  const body = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const requestId = typeof body.requestId === "string" ? body.requestId : (knownRequestId ?? "");
  const approvedBy = typeof body.approvedBy === "string" ? body.approvedBy : undefined;
  const approvedAt = typeof body.approvedAt === "number" ? body.approvedAt : undefined;
  if (body.opened === true) return { ok: true, value: { opened: true, requestId, approvedBy } };
  if (typeof body.jwe === "string") {
    if (!privateKey) {
      return { ok: false, failure: failure("unexpected", "The server sent an encrypted answer this run cannot open.") };
    }
    const opened = await decryptAnswer(body.jwe, privateKey);
    if (!opened.ok) return { ok: false, failure: failure("unexpected", opened.message, { requestId }) };
    const picked = pickCode(opened.codes, now);
    if (!picked) return { ok: false, failure: failure("unexpected", "The answer held no code.", { requestId }) };
    return {
      ok: true,
      value: {
        otp: picked.code.otp,
        requestId,
        validUntil: picked.code.notAfter,
        approvedBy,
        approvedAt,
        encrypted: true,
        exact: picked.exact,
        codes: opened.codes,
        ...(opened.runUntil ? { runUntil: opened.runUntil } : {}),
      },
    };
  }
  if (typeof body.otp === "string" && /^\d{6,8}$/.test(body.otp)) {
    const validUntil = typeof body.validUntil === "number" ? body.validUntil : undefined;
    return {
      ok: true,
      value: {
        otp: body.otp,
        requestId,
        validUntil,
        approvedBy,
        approvedAt,
        encrypted: false,
        exact: true,
        codes: [{ otp: body.otp, notBefore: now, notAfter: validUntil ?? now + 30_000 }],
      },
    };
  }
  return { ok: false, failure: failure("unexpected", "The server answered 200 without a code.", { requestId }) };
}
