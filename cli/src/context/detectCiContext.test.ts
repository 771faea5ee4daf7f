import { describe, expect, it } from "vitest";
import { detectCiContext } from "./detectCiContext.js";

const gitlabEnv = {
  CI: "true",
  GITLAB_CI: "true",
  CI_PROJECT_PATH: "group/sub/project",
  CI_PIPELINE_URL: "https://gitlab.com/group/sub/project/-/pipelines/42",
  CI_JOB_URL: "https://gitlab.com/group/sub/project/-/jobs/4242",
  CI_COMMIT_SHA: "abcdef0123456789abcdef0123456789abcdef01",
  CI_COMMIT_REF_NAME: "main",
  CI_JOB_NAME: "publish",
  GITLAB_USER_LOGIN: "maintainer",
  CI_PIPELINE_SOURCE: "push",
  CI_ENVIRONMENT_NAME: "npm",
  CI_CONFIG_PATH: ".gitlab-ci.yml",
};

describe("detectCiContext", () => {
  it.each([
    {
      provider: "GitHub Actions",
      env: {
        CI: "true",
        GITHUB_ACTIONS: "true",
        GITHUB_REPOSITORY: "octo/widget",
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_RUN_ID: "123456789",
        GITHUB_RUN_ATTEMPT: "2",
        GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
        GITHUB_REF: "refs/tags/v1.2.3",
        GITHUB_WORKFLOW: "Release",
        GITHUB_WORKFLOW_REF: "octo/widget/.github/workflows/release.yml@refs/tags/v1.2.3",
        GITHUB_ACTOR: "mona",
        GITHUB_EVENT_NAME: "push",
        GITHUB_JOB: "publish",
      },
      context: {
        provider: "github-actions",
        repository: "octo/widget",
        runUrl: "https://github.com/octo/widget/actions/runs/123456789/attempts/2",
        sha: "0123456789abcdef0123456789abcdef01234567",
        ref: "refs/tags/v1.2.3",
        workflow: "Release (.github/workflows/release.yml)",
        job: "publish",
        actor: "mona",
        eventName: "push",
      },
    },
    {
      provider: "GitLab CI",
      env: gitlabEnv,
      context: {
        provider: "gitlab-ci",
        repository: "group/sub/project",
        runUrl: "https://gitlab.com/group/sub/project/-/jobs/4242",
        sha: "abcdef0123456789abcdef0123456789abcdef01",
        ref: "main",
        workflow: ".gitlab-ci.yml",
        job: "publish",
        actor: "maintainer",
        eventName: "push",
        environment: "npm",
      },
    },
    {
      provider: "CircleCI",
      env: {
        CI: "true",
        CIRCLECI: "true",
        CIRCLE_PROJECT_USERNAME: "acme",
        CIRCLE_PROJECT_REPONAME: "rocket",
        CIRCLE_BUILD_URL: "https://circleci.com/gh/acme/rocket/77",
        CIRCLE_SHA1: "1111111111111111111111111111111111111111",
        CIRCLE_TAG: "v3.0.0",
        CIRCLE_JOB: "release",
        CIRCLE_USERNAME: "wile",
      },
      context: {
        provider: "circleci",
        repository: "acme/rocket",
        runUrl: "https://circleci.com/gh/acme/rocket/77",
        sha: "1111111111111111111111111111111111111111",
        ref: "refs/tags/v3.0.0",
        job: "release",
        actor: "wile",
      },
    },
  ])("reads $provider variables", ({ env, context }) => {
    expect(detectCiContext(env)).toEqual(context);
  });

  it("reads a GitLab CI tag, and the pipeline link when there is no job link", () => {
    expect(detectCiContext({ ...gitlabEnv, CI_COMMIT_TAG: "v2.0.0", CI_JOB_URL: undefined })).toMatchObject({
      ref: "refs/tags/v2.0.0",
      runUrl: "https://gitlab.com/group/sub/project/-/pipelines/42",
    });
  });

  it("says little for a generic CI and nothing outside CI", () => {
    expect(detectCiContext({ CI: "true", GIT_COMMIT: "abc123" })).toEqual({ provider: "ci", sha: "abc123" });
    expect(detectCiContext({ JENKINS_URL: "https://ci/", BUILD_URL: "https://ci/job/x/5/", JOB_NAME: "x" })).toEqual({
      provider: "jenkins",
      runUrl: "https://ci/job/x/5/",
      job: "x",
    });
    expect(detectCiContext({ PATH: "/usr/bin", HOME: "/root" })).toEqual({});
    expect(detectCiContext({ CI: "false" })).toEqual({});
  });

  it("cuts values to the server's limits and drops unusable run URLs and blanks", () => {
    const context = detectCiContext({
      GITHUB_ACTIONS: "true",
      GITHUB_REPOSITORY: "o/r",
      GITHUB_SERVER_URL: "javascript:alert(1)//",
      GITHUB_RUN_ID: "1",
      GITHUB_REF: `refs/heads/${"x".repeat(400)}`,
      GITHUB_ACTOR: "   ",
    });
    expect(context.runUrl).toBeUndefined();
    expect(context.ref).toHaveLength(300);
    expect(context).not.toHaveProperty("actor");
  });
});
