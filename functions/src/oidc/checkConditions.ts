import { describeRefCondition, type LinkPolicy, normalizeRefPattern } from "@countersign/shared";
import { matchRefPattern } from "./matchRefPattern.js";
import type { NormalizedToken, WorkflowFile } from "./normalizeClaims.js";
import { quoteClaim } from "./quoteClaim.js";

type Conditions = Omit<LinkPolicy, "issuer" | "audience">;

function refAccepted(policy: Conditions, ref: string): boolean {
  const isTag = ref.startsWith("refs/tags/");
  if (isTag && policy.allowTags) return true;
  // No ref condition means any branch: pull-request and merge-request refs are not branches.
  if (policy.ref === undefined) return ref.startsWith("refs/heads/");
  return matchRefPattern(normalizeRefPattern(policy.ref), ref);
}

/**
 * Whether a workflow file that ran is the one the policy names: the same path
 * (`.github/workflows/release.yml`, `ci/release.yml`), or for GitHub the bare
 * file name of a file in .github/workflows — compared whole, never as a
 * suffix of something longer.
 */
function workflowAccepted(wanted: string, repository: string, workflows: WorkflowFile[]): boolean {
  const lowerWanted = wanted.toLowerCase();
  return workflows.some((file) => {
    const ownRepository = file.repository.toLowerCase() === repository.toLowerCase();
    if (ownRepository && (file.path === wanted || file.path === `.github/workflows/${wanted}`)) return true;
    // owner/repo/<path>: a reusable workflow named together with where it lives.
    const prefix = `${file.repository.toLowerCase()}/`;
    return lowerWanted.startsWith(prefix) && wanted.slice(prefix.length) === file.path;
  });
}

/**
 * Checks a verified token against a policy's conditions in a fixed order
 * (repository, ref and tags, workflow, environment, event, runner) and
 * returns the first unmet one in words, or null when all hold.
 */
export function checkConditions(policy: Conditions, token: NormalizedToken): string | null {
  const { claims } = token;
  const hosted = claims.provider === "github" ? "github-hosted" : "gitlab-hosted";

  if (claims.repository.toLowerCase() !== policy.repository.toLowerCase()) {
    return `repository is ${quoteClaim(claims.repository)}, the link only accepts ${policy.repository}`;
  }

  if (!refAccepted(policy, claims.ref)) {
    if (policy.ref === undefined) {
      return claims.ref.startsWith("refs/tags/")
        ? `ref ${quoteClaim(claims.ref)} is a tag, and the link does not accept tags`
        : `ref ${quoteClaim(claims.ref)} is not a branch, and the link accepts ${policy.allowTags ? "branches and tags" : "branches"} only`;
    }
    return `ref is ${quoteClaim(claims.ref)}, the link only accepts ${describeRefCondition(policy)}`;
  }

  if (policy.workflow !== undefined && !workflowAccepted(policy.workflow, claims.repository, token.workflows)) {
    const [top, called] = token.workflows;
    if (!top) return `the token names no workflow file, the link only accepts workflow ${policy.workflow}`;
    const calling = called ? ` (calling ${quoteClaim(`${called.repository}/${called.path}`)})` : "";
    return `workflow is ${quoteClaim(top.path)}${calling}, the link only accepts workflow ${policy.workflow}`;
  }

  if (policy.environment !== undefined) {
    const environment = claims.environment;
    const same =
      environment !== undefined &&
      (claims.provider === "github"
        ? environment.toLowerCase() === policy.environment.toLowerCase()
        : environment === policy.environment);
    if (!same) {
      return environment === undefined
        ? `the job runs in no environment, the link only accepts environment ${policy.environment}`
        : `environment is ${quoteClaim(environment)}, the link only accepts environment ${policy.environment}`;
    }
  }

  if (policy.eventName !== undefined && claims.eventName !== policy.eventName) {
    return claims.eventName === undefined
      ? `the token names no event, the link only accepts event ${policy.eventName}`
      : `event is ${quoteClaim(claims.eventName)}, the link only accepts event ${policy.eventName}`;
  }

  if (policy.hostedRunnersOnly && claims.runnerEnvironment !== hosted) {
    return `runner is ${quoteClaim(claims.runnerEnvironment ?? "unknown")}, the link only accepts ${hosted} runners`;
  }

  return null;
}
