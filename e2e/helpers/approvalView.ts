import type { ApprovalView } from "@countersign/shared";

/**
 * A pending code request for foo@1.2.3 claimed by owner/repo, as the relay
 * shows it to the phone (`GET /api/v1/approvals/:id`), with `overrides` in place
 * of the defaults: for the unit tests of what the app and the notification make of it.
 */
export function approvalView(overrides: Partial<ApprovalView> = {}): ApprovalView {
  return {
    id: "req_1",
    accountId: "acc_1",
    account: { issuer: "npm", label: "alice" },
    link: { id: "lnk_1", name: "GitHub Actions" },
    package: { name: "foo", version: "1.2.3" },
    claimed: { repository: "owner/repo" },
    verified: null,
    requester: { ip: "203.0.113.7", userAgent: "countersign/0.1.0" },
    createdAt: 0,
    expiresAt: 600_000,
    status: "pending",
    answeredBy: null,
    answeredAt: null,
    publicKey: null,
    operation: null,
    challenge: { type: "otp" },
    run: null,
    ...overrides,
  };
}
