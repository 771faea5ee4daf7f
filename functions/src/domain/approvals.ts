import {
  type AnswerBody,
  type AnswerResult,
  type ApprovalView,
  describeRequest,
  PLAIN_GET_WARNING,
  type PushPayload,
} from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { requireApprovalPasskey } from "../passkey/requireApprovalPasskey.js";
import type { AccountRecord, DeviceRecord, LinkRecord, RequestRecord, StoredAnswer } from "../store/Store.js";
import { cancelPendingRequests } from "./cancelPendingRequests.js";
import { deliveryAudit } from "./delivery.js";
import { LINK_PAUSED } from "./links.js";
import { notifyDevices } from "./notifyDevices.js";

export function toApprovalView(
  request: RequestRecord,
  account: AccountRecord | null,
  link: LinkRecord | null,
): ApprovalView {
  return {
    id: request.id,
    accountId: request.accountId,
    account: { issuer: account?.issuer ?? "", label: account?.label ?? "(deleted account)" },
    link: { id: request.linkId, name: link?.name ?? "(deleted link)" },
    package: request.package,
    claimed: request.context,
    verified: request.verified,
    requester: request.requester,
    createdAt: request.createdAt,
    expiresAt: request.expiresAt,
    status: request.status,
    answeredBy: request.answeredBy,
    answeredAt: request.answeredAt,
    publicKey: request.publicKey,
    operation: request.operation,
    // The store wipes authUrl once the request is settled; a request past its time but not yet
    // swept is not pending to the phone either, so the URL stays out of its view as well.
    challenge:
      request.challenge.type === "web" && (request.status !== "pending" || !request.challenge.authUrl)
        ? { type: "web" }
        : request.challenge,
    run: request.run,
  };
}

async function viewOf(deps: Pick<Deps, "store">, request: RequestRecord): Promise<ApprovalView> {
  const [account, link] = await Promise.all([
    deps.store.getAccount(request.accountId),
    deps.store.getLink(request.linkId),
  ]);
  return toApprovalView(request, account, link);
}

/** The line under the question: which account and which CI link is asking. */
function notificationDetail(view: ApprovalView): string {
  const account = view.account.issuer ? `${view.account.issuer}: ${view.account.label}` : view.account.label;
  return `${account} · CI link "${view.link.name}"`;
}

/** The name on the button that opens the registry's passkey page: its issuer, else the page's host. */
function registryName(view: ApprovalView): string {
  if (view.account.issuer) return view.account.issuer;
  if (view.challenge.type === "web" && view.challenge.authUrl) return new URL(view.challenge.authUrl).host;
  return "the registry";
}

/**
 * The push message that asks the holders of an account to decide. A web
 * challenge or a run offer cannot be answered with one tap on the
 * notification: the approver opens the registry's page, or decides how far
 * the codes go, on the approval screen. The body says whether what it shows
 * is verified (OIDC) or claimed by CI; an entirely unverified request is
 * marked `unverified`, and the app then offers no one-tap Approve unless the
 * user allowed it.
 */
export function approvalPayload(view: ApprovalView): PushPayload {
  const web = view.challenge.type === "web";
  const unverified = !view.verified || Object.keys(view.verified).length === 0;
  // The notification says where its words come from: an OIDC token, or CI's own claim.
  const detail = `${notificationDetail(view)} · ${unverified ? "claimed by CI" : "verified by OIDC"}`;
  return {
    v: 1,
    type: "approval",
    requestId: view.id,
    accountId: view.accountId,
    title: describeRequest(view),
    body: web
      ? `${detail}. Tap to review, then "Open ${registryName(view)}".`
      : view.requester.method === "GET"
        ? `${detail}. ${PLAIN_GET_WARNING}`
        : detail,
    expiresAt: view.expiresAt,
    ...(web || view.run ? { needsScreen: true as const } : {}),
    ...(unverified ? { unverified: true as const } : {}),
  };
}

/** Requests waiting for an answer, for the accounts this device holds. */
export async function listApprovals(
  deps: Pick<Deps, "store" | "clock">,
  device: DeviceRecord,
): Promise<ApprovalView[]> {
  const held = (await deps.store.listAccounts()).filter((account) => account.deviceIds.includes(device.id));
  const pending = await deps.store.listPendingRequests(
    held.map((account) => account.id),
    deps.clock.now(),
  );
  return Promise.all(pending.map((request) => viewOf(deps, request)));
}

async function heldRequest(deps: Pick<Deps, "store">, device: DeviceRecord, requestId: string) {
  const request = await deps.store.getRequest(requestId);
  if (!request) throw new AppError("not_found", "No such request (it may have expired long ago).");
  const account = await deps.store.getAccount(request.accountId);
  if (!account?.deviceIds.includes(device.id)) {
    throw new AppError("forbidden", "This device does not hold the account this request is for.");
  }
  return request;
}

/** One request as the device sees it, in any state (to show the outcome). */
export async function getApproval(
  deps: Pick<Deps, "store">,
  device: DeviceRecord,
  requestId: string,
): Promise<ApprovalView> {
  return viewOf(deps, await heldRequest(deps, device, requestId));
}

/** How far past `createdAt + run.seconds` a run approval may reach: the phone's clock may run ahead. */
export const RUN_SLACK_MS = 60_000;

/**
 * What an approval may carry for this request: `opened` for a web challenge
 * only, codes or a JWE for a code challenge only (a JWE exactly when CI sent a
 * key), and `runUntil` only when CI offered a run, no further than the run.
 */
function checkApproval(request: RequestRecord, body: Extract<AnswerBody, { decision: "approve" }>) {
  if ("opened" in body) {
    if (request.challenge.type !== "web") {
      throw new AppError("bad_request", "This request asks for a code: approve with codes or a JWE, not opened.");
    }
    return;
  }
  if (request.challenge.type === "web") {
    throw new AppError(
      "bad_request",
      'The registry asked for its passkey page, not a code: approve with {"decision":"approve","opened":true}.',
    );
  }
  if (request.publicKey && "codes" in body) {
    throw new AppError("bad_request", "This request carries a publicKey: approve with a JWE encrypted to it.");
  }
  if (!request.publicKey && "jwe" in body) {
    throw new AppError("bad_request", "This request carries no publicKey: approve with codes.");
  }
  if ("jwe" in body && body.runUntil !== undefined) {
    if (!request.run)
      throw new AppError("bad_request", "CI offered no run for this request: approve without runUntil.");
    const latest = request.createdAt + request.run.seconds * 1000 + RUN_SLACK_MS;
    if (body.runUntil > latest) {
      throw new AppError(
        "bad_request",
        `runUntil is past the run CI offered: at most ${latest} (${request.run.seconds} s after the request).`,
      );
    }
  }
}

/** What the store keeps of an answer until CI collects it. */
function storedAnswer(body: AnswerBody): StoredAnswer | null {
  if (body.decision === "deny") return null;
  if ("opened" in body) return { opened: true };
  if ("jwe" in body) return { jwe: body.jwe };
  return { codes: body.codes };
}

function notAnswerable(request: RequestRecord, now: number): AppError {
  if (request.answeredBy && (request.status === "approved" || request.status === "denied")) {
    return new AppError("already_answered", `Already ${request.status} on ${request.answeredBy.deviceName}.`, {
      requestId: request.id,
      answeredBy: request.answeredBy,
    });
  }
  if (request.status === "expired" || now >= request.expiresAt) {
    return new AppError("expired", "This request expired before it was answered.", { requestId: request.id });
  }
  return new AppError("conflict", "This request cannot be answered.", { requestId: request.id });
}

/**
 * Approves or denies a request. The first answer wins (compare-and-set in the
 * store); later ones get `already_answered` naming the device that won. The
 * other devices holding the account are told, so they can close their
 * notification.
 */
export async function answerApproval(
  deps: Deps,
  device: DeviceRecord,
  requestId: string,
  body: AnswerBody,
): Promise<AnswerResult> {
  const request = await heldRequest(deps, device, requestId);
  const now = deps.clock.now();
  if (body.decision === "approve") checkApproval(request, body);
  await requireApprovalPasskey(deps, device, request, body);
  if (request.status !== "pending" || now >= request.expiresAt) throw notAnswerable(request, now);

  const answeredBy = { deviceId: device.id, deviceName: device.name };
  const status = body.decision === "approve" ? "approved" : "denied";
  const pause = body.decision === "deny" && body.pauseLink === true;
  const runUntil = "runUntil" in body ? body.runUntil : undefined;
  const answer = storedAnswer(body);
  const outcome = await deps.store.answerRequest(
    requestId,
    { status, answer, answeredBy, answeredAt: now },
    {
      outcome: status,
      answeredBy,
      message: pause ? "Denied and the link paused." : null,
      ...(runUntil !== undefined ? { runUntil } : {}),
    },
    // A CI call waiting in this process may get the answer in the same commit (Store.answerRequest).
    answer ? deliveryAudit(answer, now) : undefined,
  );
  if (!outcome.ok) throw notAnswerable(outcome.request, now);
  if (pause) {
    await deps.store.updateLink(request.linkId, { paused: true });
    await cancelPendingRequests(deps, request, LINK_PAUSED);
  }
  deps.log.info("request answered", { requestId, status, deviceId: device.id });

  const account = await deps.store.getAccount(request.accountId);
  const others = (account?.deviceIds ?? []).filter((id) => id !== device.id);
  await notifyDevices(deps, others, { v: 1, type: "answered", requestId, status, answeredBy: device.name });
  return { status, answeredBy };
}
