import { pickValidCode } from "@countersign/shared";
import type { AuditPatch, RequestRecord } from "../store/Store.js";

const RAN_OUT = "Approved, but the codes ran out before CI picked them up.";

/** What delivering `answer` at `now` makes of the request's audit entry. */
export function deliveryAudit(answer: RequestRecord["answer"], now: number): AuditPatch {
  if (answer && "codes" in answer && !pickValidCode(answer.codes, now)) return { outcome: "expired", message: RAN_OUT };
  return { outcome: "delivered" };
}

/**
 * Whether a waiting CI call got its answer handed over with the approval
 * (Store.answerRequest's `handOver`): already recorded as delivered, with the
 * answer that storage never held. A stored request never has both.
 */
export function handedOver(request: RequestRecord): boolean {
  return request.answer !== null && request.deliveredAt !== null;
}
