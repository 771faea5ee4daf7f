import { z } from "zod";

/**
 * A link's policy: which CI runs may use it, proven by an OIDC ID token that
 * CI sends with the request. The server verifies the token against the
 * issuer's published keys and then checks the conditions below; docs/oidc.md
 * explains each of them and the claims they read.
 */

/** Issuer of GitHub Actions ID tokens. */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
/** Issuer of gitlab.com CI ID tokens (a self-managed GitLab issues as its own URL). */
export const GITLAB_COM_ISSUER = "https://gitlab.com";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Checks that `raw` can name an OIDC issuer: https (http only on a loopback
 * host, for tests), no credentials, query or fragment. The returned issuer
 * has no trailing slash, which is how issuers write their own `iss`.
 */
export function checkIssuerUrl(raw: string): { ok: true; issuer: string } | { ok: false; message: string } {
  const trimmed = raw.trim().replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { ok: false, message: `"${trimmed}" is not a URL; an issuer looks like ${GITHUB_ACTIONS_ISSUER}` };
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) {
    return { ok: false, message: `issuer ${trimmed} must use https (http only on 127.0.0.1 or localhost)` };
  }
  if (url.username || url.password || url.search || url.hash) {
    return { ok: false, message: `issuer ${trimmed} must not carry credentials, a query or a fragment` };
  }
  return { ok: true, issuer: trimmed };
}

/**
 * Turns a ref condition into the full ref pattern it stands for: a bare
 * branch name `main` means `refs/heads/main`; anything starting with `refs/`
 * is taken as written.
 */
export function normalizeRefPattern(ref: string): string {
  return ref.startsWith("refs/") ? ref : `refs/heads/${ref}`;
}

const REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;
// Characters git forbids in ref names, minus `*` which is the glob here.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const REF_PATTERN = /^[^\s~^:?[\\\x00-\x1f\x7f]+$/;

export const LinkPolicy = z.strictObject({
  /** Who issues the tokens: GitHub Actions, gitlab.com or a self-managed GitLab URL. */
  issuer: z
    .string()
    .max(300)
    .superRefine((value, ctx) => {
      const checked = checkIssuerUrl(value);
      if (!checked.ok) ctx.addIssue({ code: "custom", message: checked.message });
    })
    .overwrite((value) => value.trim().replace(/\/+$/, "")),
  /** Required `aud`; absent means the server's public origin. */
  audience: z.string().trim().min(1).max(300).optional(),
  /**
   * `owner/repo` (GitHub) or `group/subgroup/project` (GitLab), compared
   * without regard to case. Required: without it any project on the issuer
   * could satisfy the policy.
   */
  repository: z
    .string()
    .trim()
    .max(200)
    .regex(REPOSITORY_PATTERN, "repository must look like owner/repo (or group/subgroup/project on GitLab)"),
  /**
   * Git ref, exact or glob (`*` within one path segment, `**` across them):
   * `main`, `refs/heads/release/*`, `refs/tags/v*`. A bare name is a branch.
   */
  ref: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(REF_PATTERN, "ref must be a git ref such as main or refs/tags/v*")
    .optional(),
  /** Also accept runs on any tag. Without it, tags pass only when `ref` names them. */
  allowTags: z.boolean().default(false),
  /**
   * Workflow file (`release.yml`, `.github/workflows/release.yml`,
   * `.gitlab-ci.yml`), or `owner/repo/<path>` for a reusable workflow kept in
   * another repository.
   */
  workflow: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .regex(/^[^\s@]+$/, "workflow must be a file name such as release.yml")
    .optional(),
  /** Deployment environment the job runs in (GitHub `environment`, GitLab `environment`). */
  environment: z.string().trim().min(1).max(255).optional(),
  /** What started the run: GitHub `event_name` (push, release, …), GitLab `pipeline_source` (push, web, …). */
  eventName: z
    .string()
    .trim()
    .regex(/^[a-z_]{1,60}$/, "eventName must be an event such as push or workflow_dispatch")
    .optional(),
  /** Refuse self-hosted runners: GitHub `runner_environment` must be `github-hosted`, GitLab's `gitlab-hosted`. */
  hostedRunnersOnly: z.boolean().default(false),
});
export type LinkPolicy = z.infer<typeof LinkPolicy>;
/** A policy as typed in (defaults not yet applied). */
export type LinkPolicyInput = z.input<typeof LinkPolicy>;

/** Whether an issuer is GitHub Actions' (github.com or a GitHub Enterprise Server). */
export function isGitHubIssuer(issuer: string): boolean {
  return (
    issuer === GITHUB_ACTIONS_ISSUER ||
    issuer.startsWith(`${GITHUB_ACTIONS_ISSUER}/`) ||
    /\/_services\/token$/.test(issuer)
  );
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
