import { describePolicy, LinkPolicy, normalizeRefPattern } from "@countersign/shared";
import { describe, expect, it } from "vitest";

const GITHUB = "https://token.actions.githubusercontent.com";

describe("LinkPolicy", () => {
  it("applies defaults and tidies the issuer", () => {
    expect(LinkPolicy.parse({ issuer: "https://gitlab.com/", repository: " group/sub/project " })).toEqual({
      issuer: "https://gitlab.com",
      repository: "group/sub/project",
      allowTags: false,
      hostedRunnersOnly: false,
    });
  });

  it("requires a repository, since an issuer alone admits every project on it", () => {
    const result = LinkPolicy.safeParse({ issuer: GITHUB });
    expect(result.success).toBe(false);
  });

  it("refuses unknown fields, plain-http issuers and malformed conditions with clear messages", () => {
    const messages = (input: unknown) => {
      const result = LinkPolicy.safeParse(input);
      return result.success ? [] : result.error.issues.map((issue) => issue.message);
    };
    expect(messages({ issuer: GITHUB, repository: "o/r", branch: "main" })).toHaveLength(1);
    expect(messages({ issuer: "http://gitlab.example.com", repository: "o/r" })).toEqual([
      "issuer http://gitlab.example.com must use https (http only on 127.0.0.1 or localhost)",
    ]);
    expect(messages({ issuer: GITHUB, repository: "just-a-name" })).toEqual([
      "repository must look like owner/repo (or group/subgroup/project on GitLab)",
    ]);
    expect(messages({ issuer: GITHUB, repository: "o/r", ref: "main branch" })).toEqual([
      "ref must be a git ref such as main or refs/tags/v*",
    ]);
    expect(messages({ issuer: GITHUB, repository: "o/r", workflow: "release.yml@main" })).toEqual([
      "workflow must be a file name such as release.yml",
    ]);
    expect(messages({ issuer: GITHUB, repository: "o/r", eventName: "Push!" })).toEqual([
      "eventName must be an event such as push or workflow_dispatch",
    ]);
  });

  it("reads a bare ref as a branch", () => {
    expect(normalizeRefPattern("main")).toBe("refs/heads/main");
    expect(normalizeRefPattern("release/*")).toBe("refs/heads/release/*");
    expect(normalizeRefPattern("refs/tags/v*")).toBe("refs/tags/v*");
  });
});

describe("describePolicy", () => {
  it("says what a GitHub policy lets through", () => {
    expect(describePolicy({ issuer: GITHUB, repository: "owner/repo", workflow: "release.yml", ref: "main" })).toBe(
      "Only owner/repo, workflow release.yml, branch main",
    );
    expect(
      describePolicy({
        issuer: GITHUB,
        repository: "owner/repo",
        ref: "release/*",
        allowTags: true,
        environment: "npm",
        eventName: "push",
        hostedRunnersOnly: true,
      }),
    ).toBe("Only owner/repo, branches release/* or any tag, environment npm, event push, on GitHub-hosted runners");
  });

  it("words tags and missing ref conditions", () => {
    expect(describePolicy({ issuer: GITHUB, repository: "o/r", ref: "refs/tags/v*" })).toBe("Only o/r, tags v*");
    expect(describePolicy({ issuer: GITHUB, repository: "o/r", ref: "refs/tags/v1.0.0" })).toBe("Only o/r, tag v1.0.0");
    expect(describePolicy({ issuer: GITHUB, repository: "o/r" })).toBe("Only o/r, any branch, no tags");
    expect(describePolicy({ issuer: GITHUB, repository: "o/r", allowTags: true })).toBe("Only o/r, any branch or tag");
    expect(describePolicy({ issuer: GITHUB, repository: "o/r", ref: "refs/pull/*/merge" })).toBe(
      "Only o/r, ref refs/pull/*/merge",
    );
  });

  it("names the GitLab instance and its hosted runners", () => {
    expect(
      describePolicy({
        issuer: "https://gitlab.example.com/",
        repository: "group/project",
        workflow: ".gitlab-ci.yml",
        ref: "main",
        hostedRunnersOnly: true,
      }),
    ).toBe("Only group/project on gitlab.example.com, workflow .gitlab-ci.yml, branch main, on GitLab-hosted runners");
  });
});
