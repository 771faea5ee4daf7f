/** What CI says about itself; the server shows it to the approver as "claimed by CI". */
export interface CiContext {
  provider?: string;
  repository?: string;
  runUrl?: string;
  sha?: string;
  ref?: string;
  workflow?: string;
  job?: string;
  actor?: string;
  eventName?: string;
  environment?: string;
}

export type Env = Record<string, string | undefined>;

/** The server's limits per field; longer values are cut rather than refused. */
const MAX_LENGTH: Record<keyof CiContext, number> = {
  provider: 40,
  repository: 200,
  runUrl: 500,
  sha: 64,
  ref: 300,
  workflow: 300,
  job: 200,
  actor: 100,
  eventName: 60,
  environment: 200,
};

function clean(context: CiContext): CiContext {
  const result: CiContext = {};
  for (const key of Object.keys(MAX_LENGTH) as (keyof CiContext)[]) {
    const value = context[key]?.trim();
    if (!value) continue;
    if (key === "runUrl") {
      if (value.length > MAX_LENGTH.runUrl || !/^https?:\/\/[^\s]+$/.test(value) || !URL.canParse(value)) continue;
      result.runUrl = value;
    } else {
      result[key] = value.slice(0, MAX_LENGTH[key]);
    }
  }
  return result;
}

function github(env: Env): CiContext {
  const server = env.GITHUB_SERVER_URL?.replace(/\/+$/, "");
  const repository = env.GITHUB_REPOSITORY;
  let runUrl: string | undefined;
  if (server && repository && env.GITHUB_RUN_ID) {
    runUrl = `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}`;
    if (env.GITHUB_RUN_ATTEMPT) runUrl += `/attempts/${env.GITHUB_RUN_ATTEMPT}`;
  }
  // GITHUB_WORKFLOW_REF is "owner/repo/.github/workflows/release.yml@refs/tags/v1": keep the file path.
  const workflowFile = env.GITHUB_WORKFLOW_REF?.match(/^[^/]+\/[^/]+\/([^@]+)@/)?.[1];
  const name = env.GITHUB_WORKFLOW;
  const workflow = name && workflowFile && name !== workflowFile ? `${name} (${workflowFile})` : (name ?? workflowFile);
  return {
    provider: "github-actions",
    repository,
    runUrl,
    sha: env.GITHUB_SHA,
    ref: env.GITHUB_REF,
    workflow,
    job: env.GITHUB_JOB,
    actor: env.GITHUB_ACTOR,
    eventName: env.GITHUB_EVENT_NAME,
  };
}

function gitlab(env: Env): CiContext {
  return {
    provider: "gitlab-ci",
    repository: env.CI_PROJECT_PATH,
    runUrl: env.CI_JOB_URL ?? env.CI_PIPELINE_URL,
    sha: env.CI_COMMIT_SHA,
    ref: env.CI_COMMIT_TAG ? `refs/tags/${env.CI_COMMIT_TAG}` : env.CI_COMMIT_REF_NAME,
    workflow: env.CI_PIPELINE_NAME ?? env.CI_CONFIG_PATH,
    job: env.CI_JOB_NAME,
    actor: env.GITLAB_USER_LOGIN,
    eventName: env.CI_PIPELINE_SOURCE,
    environment: env.CI_ENVIRONMENT_NAME,
  };
}

function circleci(env: Env): CiContext {
  const repository =
    env.CIRCLE_PROJECT_USERNAME && env.CIRCLE_PROJECT_REPONAME
      ? `${env.CIRCLE_PROJECT_USERNAME}/${env.CIRCLE_PROJECT_REPONAME}`
      : undefined;
  return {
    provider: "circleci",
    repository,
    runUrl: env.CIRCLE_BUILD_URL,
    sha: env.CIRCLE_SHA1,
    ref: env.CIRCLE_TAG ? `refs/tags/${env.CIRCLE_TAG}` : env.CIRCLE_BRANCH,
    workflow: env.CIRCLE_WORKFLOW_ID,
    job: env.CIRCLE_JOB,
    actor: env.CIRCLE_USERNAME,
  };
}

/** Jenkins, Buildkite and anything that sets CI=true: whatever the usual variables say. */
function generic(env: Env): CiContext {
  if (env.BUILDKITE === "true") {
    return {
      provider: "buildkite",
      repository: env.BUILDKITE_REPO,
      runUrl: env.BUILDKITE_BUILD_URL,
      sha: env.BUILDKITE_COMMIT,
      ref: env.BUILDKITE_TAG ? `refs/tags/${env.BUILDKITE_TAG}` : env.BUILDKITE_BRANCH,
      workflow: env.BUILDKITE_PIPELINE_SLUG,
      job: env.BUILDKITE_LABEL,
      actor: env.BUILDKITE_BUILD_CREATOR,
    };
  }
  if (env.JENKINS_URL) {
    return {
      provider: "jenkins",
      repository: env.GIT_URL,
      runUrl: env.BUILD_URL,
      sha: env.GIT_COMMIT,
      ref: env.GIT_BRANCH,
      job: env.JOB_NAME,
    };
  }
  if (env.CI && env.CI !== "false" && env.CI !== "0") {
    return { provider: "ci", sha: env.GIT_COMMIT ?? env.COMMIT_SHA, ref: env.GIT_BRANCH ?? env.BRANCH_NAME };
  }
  return {};
}

/**
 * Reads the CI provider's environment variables into the context shown on the
 * phone. Unknown environments give an empty object; values are trimmed and cut
 * to the server's limits so a long ref never makes the request fail.
 */
export function detectCiContext(env: Env): CiContext {
  if (env.GITHUB_ACTIONS === "true") return clean(github(env));
  if (env.GITLAB_CI === "true") return clean(gitlab(env));
  if (env.CIRCLECI === "true") return clean(circleci(env));
  return clean(generic(env));
}
