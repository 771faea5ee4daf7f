import { z } from "zod";
import { GITHUB_ACTIONS_ISSUER } from "./issuers.js";

/**
 * A link's policy: which CI runs may use it, proven by an OIDC ID token that
 * CI sends with the request. The server verifies the token against the
 * issuer's published keys and then checks the conditions below; docs/oidc.md
 * explains each of them and the claims they read.
 */

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
