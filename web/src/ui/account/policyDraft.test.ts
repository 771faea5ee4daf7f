import { describePolicy, GITHUB_ACTIONS_ISSUER, GITLAB_COM_ISSUER, LinkPolicy } from "@countersign/shared";
import { describe, expect, it } from "vitest";
import { draftFromPolicy, emptyPolicyDraft, policyFromDraft } from "./policyDraft.js";

describe("policy drafts", () => {
  it("turns the form into the policy the server takes, leaving empty fields out", () => {
    const policy = policyFromDraft({
      ...emptyPolicyDraft(),
      repository: " acme/rocket ",
      workflow: "release.yml",
      ref: "main",
      environment: "  ",
    });
    expect(policy).toEqual({
      issuer: GITHUB_ACTIONS_ISSUER,
      repository: "acme/rocket",
      workflow: "release.yml",
      ref: "main",
      allowTags: false,
      hostedRunnersOnly: false,
    });
    expect(LinkPolicy.safeParse(policy).success).toBe(true);
    expect(describePolicy(policy)).toBe("Only acme/rocket, workflow release.yml, branch main");
  });

  it("names gitlab.com or a typed issuer URL", () => {
    expect(policyFromDraft({ ...emptyPolicyDraft(), provider: "gitlab", repository: "g/p" }).issuer).toBe(
      GITLAB_COM_ISSUER,
    );
    const custom = policyFromDraft({
      ...emptyPolicyDraft(),
      provider: "custom",
      issuerUrl: "https://gitlab.example.com/",
      repository: "g/sub/p",
    });
    expect(custom.issuer).toBe("https://gitlab.example.com");
    expect(describePolicy(custom)).toBe("Only g/sub/p on gitlab.example.com, any branch, no tags");
  });

  it("round-trips an existing policy through the form, keeping its audience", () => {
    const stored = LinkPolicy.parse({
      issuer: "https://gitlab.example.com",
      audience: "https://otp.example.com",
      repository: "group/project",
      ref: "refs/tags/v*",
      environment: "production",
      eventName: "push",
      hostedRunnersOnly: false,
    });
    const draft = draftFromPolicy(stored);
    expect(draft).toMatchObject({ provider: "custom", issuerUrl: "https://gitlab.example.com", ref: "refs/tags/v*" });
    expect(LinkPolicy.parse(policyFromDraft(draft, stored))).toEqual(stored);
    expect(draftFromPolicy(LinkPolicy.parse({ issuer: GITHUB_ACTIONS_ISSUER, repository: "a/b" })).provider).toBe(
      "github",
    );
  });
});
