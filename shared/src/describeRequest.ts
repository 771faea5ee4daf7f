import type { ApprovalView } from "./protocol.js";

/** "Publish foo@1.2.3 from owner/repo?": the question a notification asks. */
export function describeRequest(approval: Pick<ApprovalView, "package" | "claimed" | "verified" | "account">): string {
  const pkg = approval.package
    ? `${approval.package.name}${approval.package.version ? `@${approval.package.version}` : ""}`
    : approval.account.issuer
      ? `to ${approval.account.issuer} as ${approval.account.label}`
      : `as ${approval.account.label}`;
  const repository = approval.verified?.repository ?? approval.claimed?.repository;
  return `Publish ${pkg}${repository ? ` from ${repository}` : ""}?`;
}
