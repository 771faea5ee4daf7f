import type { PushPayload } from "@countersign/shared";

/** An approval notification as the relay pushes it, for tests of the push path. */
export const APPROVAL_PAYLOAD: PushPayload = {
  v: 1,
  type: "approval",
  requestId: "r1",
  accountId: "a1",
  title: "Countersign",
  body: "Publish foo@1.2.3?",
  expiresAt: 1,
};
