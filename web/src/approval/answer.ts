import type {
  AnswerBody,
  AnswerResult,
  ApprovalAnswerContent,
  ApprovalView,
  ErrorBody,
  PasskeyAssertion,
  TimedCode,
} from "@countersign/shared";
import { CompactEncrypt, importJWK } from "jose";
import type { ApiClient } from "../api/client.js";
import type { Vault } from "../vault/vault.js";

/** What happened when this device answered, in terms the user sees. */
export type AnswerOutcome =
  | { kind: "approved" }
  | { kind: "denied"; paused: boolean }
  | { kind: "already_answered"; status: string; deviceName: string }
  | { kind: "expired" }
  | { kind: "error"; message: string };

/** Encrypts the codes to CI's ephemeral key: compact JWE, ECDH-ES + A256GCM. */
export async function encryptCodes(publicKey: NonNullable<ApprovalView["publicKey"]>, codes: TimedCode[]) {
  const key = await importJWK({ kty: publicKey.kty, crv: publicKey.crv, x: publicKey.x, y: publicKey.y }, "ECDH-ES");
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ codes })))
    .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM" })
    .encrypt(key);
}

/** The approval body: the codes in clear, or a JWE when CI sent a public key. */
export async function buildApproveBody(
  approval: Pick<ApprovalView, "publicKey">,
  codes: TimedCode[],
): Promise<AnswerBody> {
  if (approval.publicKey) return { decision: "approve", jwe: await encryptCodes(approval.publicKey, codes) };
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

/** Fetches a request as this device may see it. */
export async function fetchApproval(api: ApiClient, requestId: string) {
  return api.call<ApprovalView>("GET", `/api/v1/approvals/${encodeURIComponent(requestId)}`);
}

/**
 * Approves a request: computes the current and next codes from the vault for
 * the request's account and sends them (or their JWE) signed. The codes leave
 * the device only in this answer; the seed never does. With
 * `assertApproval` (a device that requires its passkey), the answer also
 * carries a WebAuthn assertion over this request and these codes; a cancelled
 * or failed passkey prompt sends nothing.
 */
export async function approveRequest(
  deps: {
    api: ApiClient;
    vault: Vault;
    now?: () => number;
    assertApproval?: (requestId: string, answer: ApprovalAnswerContent) => Promise<PasskeyAssertion>;
  },
  requestId: string,
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
  const account = await deps.vault.findByServerId(approval.accountId);
  if (!account) {
    return { kind: "error", message: "This device does not hold the account this request is for." } as const;
  }
  const codes = await deps.vault.timedCodes(account.id, deps.now?.() ?? Date.now());
  if (!codes) return { kind: "error", message: "The account is missing from this device." } as const;
  const body = await buildApproveBody(approval, codes);
  if (deps.assertApproval && body.decision === "approve") {
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
  return { kind: "approved" } as const;
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
