import { GITHUB_ACTIONS_ISSUER } from "@countersign/shared";
import type { JWTPayload } from "jose";
import { quoteClaim } from "./quoteClaim.js";
import type { VerifiedClaims } from "./types.js";

/** A workflow file the token names: the repository it lives in and its path there. */
export interface WorkflowFile {
  repository: string;
  path: string;
}

/** What the policy conditions are checked against. */
export interface NormalizedToken {
  claims: VerifiedClaims;
  /** Workflow files that ran: the top-level one, and a reusable one when the job ran one. */
  workflows: WorkflowFile[];
}

export type NormalizeResult = { ok: true; token: NormalizedToken } | { ok: false; reason: string };

const REPOSITORY = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;
const DIGITS = /^\d{1,20}$/;

function text(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * A full ref as both providers write them after the `@`: a branch, a tag or
 * a pull/merge request. Anything else means the claim was not understood.
 */
const FULL_REF = /^refs\/(heads|tags|pull|merge-requests)\/./;

/**
 * `owner/repo/.github/workflows/release.yml@refs/heads/main` → owner/repo and
 * the path. GitHub runs only files directly in .github/workflows, so the path
 * ends at the first `@` after that folder; everything after it is the ref,
 * which may itself hold `@` and `/` (git allows the branch
 * `x/release.yml@y`), and must be a full ref.
 */
function parseGitHubWorkflowRef(value: string | undefined): WorkflowFile | undefined {
  const match = /^([^/@]+)\/([^/@]+)\/(\.github\/workflows\/[^/@]+)@(.+)$/.exec(value ?? "");
  if (!match || !FULL_REF.test(match[4] as string)) return undefined;
  return { repository: `${match[1]}/${match[2]}`, path: match[3] as string };
}

/**
 * `gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main` → group/project
 * and the config path: the path runs from the `//` to the first `@`, the ref
 * follows and must be a full ref.
 */
function parseGitLabConfigRef(value: string | undefined): WorkflowFile | undefined {
  const match = /^[^/@]+\/([^@]+?)\/\/([^@]+)@(.+)$/.exec(value ?? "");
  if (!match || !FULL_REF.test(match[3] as string)) return undefined;
  const [, project, path] = match as unknown as [string, string, string];
  if (project.includes("//") || path.startsWith("/")) return undefined;
  return { repository: project, path };
}

function githubWebOrigin(issuer: string): string {
  // GitHub Enterprise Server issues as https://HOST/_services/token; everything else is github.com.
  if (issuer !== GITHUB_ACTIONS_ISSUER && issuer.endsWith("/_services/token")) return new URL(issuer).origin;
  return "https://github.com";
}

function withOptional(claims: VerifiedClaims, optional: Record<string, string | undefined>): VerifiedClaims {
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) claims[name] = value;
  return claims;
}

function missing(provider: string, claim: string): NormalizeResult {
  return { ok: false, reason: `the ${provider} token has no usable "${claim}" claim` };
}

function normalizeGitHub(issuer: string, payload: JWTPayload): NormalizeResult {
  const repository = text(payload, "repository");
  if (!repository || !REPOSITORY.test(repository)) return missing("GitHub", "repository");
  const ref = text(payload, "ref");
  if (!ref) return missing("GitHub", "ref");
  const actor = text(payload, "actor");
  if (!actor) return missing("GitHub", "actor");
  const runId = text(payload, "run_id");
  if (!runId || !DIGITS.test(runId)) return missing("GitHub", "run_id");
  const runAttempt = text(payload, "run_attempt") ?? "1";
  if (!DIGITS.test(runAttempt)) return missing("GitHub", "run_attempt");

  const workflowRef = text(payload, "workflow_ref");
  const jobWorkflowRef = text(payload, "job_workflow_ref");
  const top = parseGitHubWorkflowRef(workflowRef);
  const job = jobWorkflowRef !== workflowRef ? parseGitHubWorkflowRef(jobWorkflowRef) : undefined;
  const workflows = [top, job].filter((entry): entry is WorkflowFile => entry !== undefined);

  const claims = withOptional(
    {
      issuer,
      provider: "github",
      repository,
      ref,
      actor,
      runUrl: `${githubWebOrigin(issuer)}/${repository}/actions/runs/${runId}/attempts/${runAttempt}`,
    },
    {
      sha: text(payload, "sha"),
      workflow: top?.path,
      jobWorkflow: jobWorkflowRef !== workflowRef ? jobWorkflowRef : undefined,
      eventName: text(payload, "event_name"),
      environment: text(payload, "environment"),
      runnerEnvironment: text(payload, "runner_environment"),
    },
  );
  return { ok: true, token: { claims, workflows } };
}

function normalizeGitLab(issuer: string, payload: JWTPayload): NormalizeResult {
  const repository = text(payload, "project_path");
  if (!repository || !REPOSITORY.test(repository)) return missing("GitLab", "project_path");
  const refName = text(payload, "ref");
  const refType = text(payload, "ref_type");
  const ref =
    text(payload, "ref_path") ??
    (refName && refType === "branch" ? `refs/heads/${refName}` : undefined) ??
    (refName && refType === "tag" ? `refs/tags/${refName}` : undefined);
  if (!ref) return missing("GitLab", "ref_path");
  const actor = text(payload, "user_login");
  if (!actor) return missing("GitLab", "user_login");
  const jobId = text(payload, "job_id");
  if (!jobId || !DIGITS.test(jobId)) return missing("GitLab", "job_id");

  const config = parseGitLabConfigRef(text(payload, "ci_config_ref_uri"));
  const claims = withOptional(
    {
      issuer,
      provider: "gitlab",
      repository,
      ref,
      actor,
      runUrl: `${issuer}/${repository}/-/jobs/${jobId}`,
    },
    {
      sha: text(payload, "sha"),
      workflow: config?.path,
      eventName: text(payload, "pipeline_source"),
      environment: text(payload, "environment"),
      runnerEnvironment: text(payload, "runner_environment"),
    },
  );
  return { ok: true, token: { claims, workflows: config ? [config] : [] } };
}

/**
 * Maps a verified token's claims onto {@link VerifiedClaims}, telling GitHub
 * Actions tokens (`repository`, `run_id`) from GitLab CI ones
 * (`project_path`, `job_id`) by their shape.
 */
export function normalizeClaims(issuer: string, payload: JWTPayload): NormalizeResult {
  if (typeof payload.project_path === "string") return normalizeGitLab(issuer, payload);
  if (typeof payload.repository === "string") return normalizeGitHub(issuer, payload);
  return {
    ok: false,
    reason: `the token from ${quoteClaim(issuer)} is neither a GitHub Actions nor a GitLab CI ID token`,
  };
}
