import type {
  AnswerBody,
  AnswerResult,
  ApprovalAnswerContent,
  ApprovalView,
  ErrorBody,
  PasskeyAssertion,
  TimedCode,
} from "@countersign/shared";
import type { ApiClient } from "../api/client.js";
import type { Vault } from "../vault/vault.js";
import { fetchApproval } from "./fetchApproval.js";
import { encryptJwe } from "./jwe.js";
import { planRun } from "./planRun.js";

/** What happened when this device answered, in terms the user sees. */
export type AnswerOutcome =
  /** `runUntil`: the codes sent cover the rest of CI's run until then. */
  | { kind: "approved"; runUntil?: number }
  /** The registry's passkey page was opened (a web challenge). */
  | { kind: "opened" }
  | { kind: "denied"; paused: boolean }
  | { kind: "already_answered"; status: string; deviceName: string }
  | { kind: "expired" }
  | { kind: "error"; message: string };

/**
 * Encrypts the codes to CI's ephemeral key: compact JWE, ECDH-ES + A256GCM,
 * plaintext `{codes}` (JweAnswerPayload), with `runUntil` when they cover
 * the rest of CI's run.
 */
export async function encryptCodes(
  publicKey: NonNullable<ApprovalView["publicKey"]>,
  codes: TimedCode[],
  runUntil?: number,
) {
  const payload = runUntil === undefined ? { codes } : { codes, runUntil };
  return encryptJwe(publicKey, new TextEncoder().encode(JSON.stringify(payload)));
}

/** An approval that sends codes: in clear, or as a JWE. */
type CodeApproval = Extract<AnswerBody, { codes: unknown } | { jwe: unknown }>;

/**
 * The approval body: the codes in clear, or a JWE when CI sent a public key.
 * `runUntil` (codes covering the rest of the run) goes inside the JWE and
 * beside it, for the server's audit log; a run is only ever offered with a key.
 */
export async function buildApproveBody(
  approval: Pick<ApprovalView, "publicKey">,
  codes: TimedCode[],
  runUntil?: number,
): Promise<CodeApproval> {
  if (approval.publicKey) {
    const jwe = await encryptCodes(approval.publicKey, codes, runUntil);
    return runUntil === undefined ? { decision: "approve", jwe } : { decision: "approve", jwe, runUntil };
  }
  return { decision: "approve", codes };
}

function outcomeFromError(result: { status: number; error: string; message: string; body?: Record<string, unknown> }) {
  if (result.error === "already_answered") {
    const body = (result.body ?? {}) as Partial<ErrorBody> & {
      answeredBy?: { deviceName?: string } | string;
      status?: string;
    };
    const by = typeof body.answeredBy === "string" ? body.answeredBy : body.answeredBy?.deviceName;
    const status = body.status ?? /\b(approved|denied)\b/.exec(result.message)?.[1] ?? "answered";
    return { kind: "already_answered", status, deviceName: by ?? "another device" } as const;
  }
  if (result.error === "expired") return { kind: "expired" } as const;
  return { kind: "error", message: result.message } as const;
}

/**
 * Why a passkey account (no seed on this phone) cannot answer a request for a
 * code. `issuer` names the registry that asked.
 */
export function noCodeMessage(issuer: string): string {
  return (
    `This account has no code on this phone: ${issuer || "the registry"} asked for a one-time password. ` +
    "If the account uses TOTP, add its QR code to this phone."
  );
}

export { fetchApproval };

/**
 * Approves a request: computes the current and next codes from the vault for
 * the request's account and sends them (or their JWE) signed. The codes leave
 * the device only in this answer; the seed never does. With
 * `assertApproval` (a device that requires its passkey), the answer also
 * carries a WebAuthn assertion over this request and these codes; a cancelled
 * or failed passkey prompt sends nothing.
 *
 * With `coverRun` (the approver ticked "Also cover the rest of this run"),
 * and when CI offered a run, the JWE carries a code for every step until the
 * end of the run instead (see planRun). A web challenge is answered with
 * {@link answerOpened}, never with codes; a passkey account has no codes to
 * send, so a request for one is refused here and nothing is sent.
 */
export async function approveRequest(
  deps: {
    api: ApiClient;
    vault: Vault;
    now?: () => number;
    assertApproval?: (requestId: string, answer: ApprovalAnswerContent) => Promise<PasskeyAssertion>;
  },
  requestId: string,
  options: { coverRun?: boolean } = {},
): Promise<AnswerOutcome> {
  const fetched = await fetchApproval(deps.api, requestId);
  if (!fetched.ok) return outcomeFromError(fetched);
  const approval = fetched.data;
  if (approval.status !== "pending") {
    if (approval.answeredBy) {
      return { kind: "already_answered", status: approval.status, deviceName: approval.answeredBy.deviceName } as const;
    }
    if (approval.status === "expired") return { kind: "expired" } as const;
    return { kind: "error", message: `This request is already ${approval.status}.` } as const;
  }
  if (approval.challenge.type === "web") {
    return { kind: "error", message: "The registry asks for its passkey page: open the request and open it." } as const;
  }
  const account = await deps.vault.findByServerId(approval.accountId);
  if (!account) {
    return { kind: "error", message: "This device does not hold the account this request is for." } as const;
  }
  if (account.kind === "passkey") return { kind: "error", message: noCodeMessage(approval.account.issuer) } as const;
  const now = deps.now?.() ?? Date.now();
  const run = options.coverRun && approval.publicKey ? planRun(approval, account.period, now) : null;
  const codes = await deps.vault.timedCodes(account.id, now, run?.count ?? 2);
  if (!codes) return { kind: "error", message: "The account is missing from this device." } as const;
  const body = await buildApproveBody(approval, codes, run?.until);
  if (deps.assertApproval) {
    try {
      body.assertion = await deps.assertApproval(requestId, "jwe" in body ? { jwe: body.jwe } : { codes: body.codes });
    } catch (error) {
      return { kind: "error", message: error instanceof Error ? error.message : String(error) } as const;
    }
  }
  const answered = await deps.api.call<AnswerResult>(
    "POST",
    `/api/v1/approvals/${encodeURIComponent(requestId)}/answer`,
    body,
  );
  if (!answered.ok) return outcomeFromError(answered);
  return run ? ({ kind: "approved", runUntil: run.until } as const) : ({ kind: "approved" } as const);
}

/**
 * Answers a web challenge: the approver opened the registry's passkey page
 * (the caller opens it, synchronously in the tap, so the browser keeps the
 * user gesture). Nothing secret travels: CI only learns the page was opened,
 * and waits for the registry. No passkey of this app is asked for: the
 * registry's page asks for the registry's own.
 */
export async function answerOpened(deps: { api: ApiClient }, requestId: string): Promise<AnswerOutcome> {
  const body: AnswerBody = { decision: "approve", opened: true };
  const answered = await deps.api.call<AnswerResult>(
    "POST",
    `/api/v1/approvals/${encodeURIComponent(requestId)}/answer`,
    body,
  );
  if (!answered.ok) return outcomeFromError(answered);
  return { kind: "opened" };
}

/** Denies a request, optionally pausing its link so it stops notifying. */
export async function denyRequest(
  deps: { api: ApiClient },
  requestId: string,
  pauseLink = false,
): Promise<AnswerOutcome> {
  const body: AnswerBody = pauseLink ? { decision: "deny", pauseLink: true } : { decision: "deny" };
  const answered = await deps.api.call<AnswerResult>(
    "POST",
    `/api/v1/approvals/${encodeURIComponent(requestId)}/answer`,
    body,
  );
  if (!answered.ok) return outcomeFromError(answered);
  return { kind: "denied", paused: pauseLink };
}
