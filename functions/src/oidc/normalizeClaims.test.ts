import { describe, expect, it } from "vitest";
import { normalizeClaims } from "./normalizeClaims.js";

const github = {
  repository: "owner/repo",
  ref: "refs/heads/main",
  sha: "abc123",
  actor: "octocat",
  run_id: "77",
  run_attempt: "3",
  event_name: "release",
  workflow_ref: "owner/repo/.github/workflows/publish.yml@refs/heads/main",
  job_workflow_ref: "org/shared/.github/workflows/release.yml@refs/tags/v1",
  runner_environment: "self-hosted",
};

describe("normalizeClaims", () => {
  it("builds the GitHub run link from run_id and run_attempt, and reports a reusable workflow", () => {
    const result = normalizeClaims("https://token.actions.githubusercontent.com", github);
    expect(result.ok && result.token).toEqual({
      claims: {
        issuer: "https://token.actions.githubusercontent.com",
        provider: "github",
        repository: "owner/repo",
        ref: "refs/heads/main",
        sha: "abc123",
        actor: "octocat",
        runUrl: "https://github.com/owner/repo/actions/runs/77/attempts/3",
        workflow: ".github/workflows/publish.yml",
        jobWorkflow: "org/shared/.github/workflows/release.yml@refs/tags/v1",
        eventName: "release",
        runnerEnvironment: "self-hosted",
      },
      workflows: [
        { repository: "owner/repo", path: ".github/workflows/publish.yml" },
        { repository: "org/shared", path: ".github/workflows/release.yml" },
      ],
    });
  });

  it("links GitHub Enterprise Server runs to the server itself", () => {
    const result = normalizeClaims("https://ghe.example.com/_services/token", github);
    expect(result.ok && result.token.claims.runUrl).toBe(
      "https://ghe.example.com/owner/repo/actions/runs/77/attempts/3",
    );
  });

  it("builds the GitLab job link and full ref from ref_type when ref_path is absent", () => {
    const result = normalizeClaims("https://gitlab.example.com", {
      project_path: "group/sub/project",
      ref: "v1.0.0",
      ref_type: "tag",
      user_login: "someone",
      job_id: "99",
      pipeline_source: "web",
      ci_config_ref_uri: "gitlab.example.com/group/sub/project//ci/release.yml@refs/tags/v1.0.0",
    });
    expect(result.ok && result.token).toEqual({
      claims: {
        issuer: "https://gitlab.example.com",
        provider: "gitlab",
        repository: "group/sub/project",
        ref: "refs/tags/v1.0.0",
        actor: "someone",
        runUrl: "https://gitlab.example.com/group/sub/project/-/jobs/99",
        workflow: "ci/release.yml",
        eventName: "web",
      },
      workflows: [{ repository: "group/sub/project", path: "ci/release.yml" }],
    });
  });

  it("refuses tokens missing what the run link needs, or of an unknown shape", () => {
    expect(normalizeClaims("https://i", { ...github, run_id: "../../evil" })).toEqual({
      ok: false,
      reason: 'the GitHub token has no usable "run_id" claim',
    });
    expect(normalizeClaims("https://i", { ...github, repository: "owner/repo/../x?" })).toEqual({
      ok: false,
      reason: 'the GitHub token has no usable "repository" claim',
    });
    expect(normalizeClaims("https://i", { project_path: "g/p", ref_path: "refs/heads/main", user_login: "u" })).toEqual(
      {
        ok: false,
        reason: 'the GitLab token has no usable "job_id" claim',
      },
    );
    expect(normalizeClaims("https://i", { sub: "someone" })).toEqual({
      ok: false,
      reason: "the token from https://i is neither a GitHub Actions nor a GitLab CI ID token",
    });
  });
});
