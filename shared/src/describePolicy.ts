import { isGitHubIssuer } from "./issuers.js";
import type { LinkPolicyInput } from "./policy.js";

/*
 * The wording of a link's policy, kept apart from policy.ts so the app can
 * show it without loading zod (as describeRequest.ts does for requests).
 */

/**
 * Turns a ref condition into the full ref pattern it stands for: a bare
 * branch name `main` means `refs/heads/main`; anything starting with `refs/`
 * is taken as written.
 */
export function normalizeRefPattern(ref: string): string {
  return ref.startsWith("refs/") ? ref : `refs/heads/${ref}`;
}

/** The ref part of {@link describePolicy}: "branch main", "branches release/*", "any branch, no tags". */
export function describeRefCondition(policy: Pick<LinkPolicyInput, "ref" | "allowTags">): string {
  const tags = policy.allowTags === true;
  if (policy.ref === undefined) return tags ? "any branch or tag" : "any branch, no tags";
  const pattern = normalizeRefPattern(policy.ref);
  const glob = pattern.includes("*");
  let wording: string;
  if (pattern.startsWith("refs/heads/")) wording = `${glob ? "branches" : "branch"} ${pattern.slice(11)}`;
  else if (pattern.startsWith("refs/tags/")) wording = `${glob ? "tags" : "tag"} ${pattern.slice(10)}`;
  else wording = `ref ${pattern}`;
  return tags && !pattern.startsWith("refs/tags/") ? `${wording} or any tag` : wording;
}

/**
 * One line saying what a policy lets through, for the app:
 * "Only owner/repo, workflow release.yml, branch main".
 */
export function describePolicy(policy: LinkPolicyInput): string {
  const issuer = policy.issuer.trim().replace(/\/+$/, "");
  const where = isGitHubIssuer(issuer) ? "" : ` on ${issuer.replace(/^https?:\/\//, "")}`;
  const parts = [`Only ${policy.repository.trim()}${where}`];
  if (policy.workflow) parts.push(`workflow ${policy.workflow}`);
  parts.push(describeRefCondition(policy));
  if (policy.environment) parts.push(`environment ${policy.environment}`);
  if (policy.eventName) parts.push(`event ${policy.eventName}`);
  if (policy.hostedRunnersOnly)
    parts.push(isGitHubIssuer(issuer) ? "on GitHub-hosted runners" : "on GitLab-hosted runners");
  if (policy.audience) parts.push(`audience ${policy.audience}`);
  return parts.join(", ");
}
