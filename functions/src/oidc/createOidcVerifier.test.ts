import { GITHUB_ACTIONS_ISSUER, type LinkPolicyInput } from "@countersign/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalOidcIssuer, startOidcIssuer } from "../../../e2e/harness/oidc-issuer.js";
import { createOidcVerifier, type OidcVerifier } from "./createOidcVerifier.js";
import type { OidcVerifyResult } from "./types.js";

const AUDIENCE = "https://otp.example.com";
const MINUTE = 60_000;

let issuer: LocalOidcIssuer;
let gitlab: LocalOidcIssuer;
let verifier: OidcVerifier;

beforeAll(async () => {
  issuer = await startOidcIssuer({ defaultAudience: AUDIENCE });
  gitlab = await startOidcIssuer({ defaultAudience: AUDIENCE, alg: "ES256" });
  verifier = createOidcVerifier({
    issuers: [{ issuer: issuer.issuer }, { issuer: gitlab.issuer, jwksUrl: gitlab.jwksUrl }],
  });
});

afterAll(async () => {
  await issuer.close();
  await gitlab.close();
});

const githubPolicy = (extra: Partial<LinkPolicyInput> = {}): LinkPolicyInput => ({
  issuer: issuer.issuer,
  repository: "owner/repo",
  workflow: "release.yml",
  ref: "main",
  ...extra,
});

const gitlabPolicy = (extra: Partial<LinkPolicyInput> = {}): LinkPolicyInput => ({
  issuer: gitlab.issuer,
  repository: "group/project",
  workflow: ".gitlab-ci.yml",
  ref: "main",
  ...extra,
});

function refusal(result: OidcVerifyResult): string {
  expect(result.ok).toBe(false);
  return result.ok ? "" : result.reason;
}

describe("accepted tokens", () => {
  it("accepts a GitHub Actions token and reports what it proves, run link built from the claims", async () => {
    const token = await issuer.signGitHubToken({ environment: "npm" });
    const result = await verifier.verify(token, githubPolicy({ environment: "npm" }), { audience: AUDIENCE });
    expect(result).toEqual({
      ok: true,
      claims: {
        issuer: issuer.issuer,
        provider: "github",
        repository: "owner/repo",
        workflow: ".github/workflows/release.yml",
        ref: "refs/heads/main",
        sha: "a3c1f0e9b6d24c8f9e7d5b3a1c0e8f6d4b2a9c7e",
        actor: "octocat",
        eventName: "push",
        environment: "npm",
        runnerEnvironment: "github-hosted",
        runUrl: "https://github.com/owner/repo/actions/runs/9876543210/attempts/1",
      },
    });
  });

  it("accepts a GitLab CI token (ES256, JWKS URL configured) with its job link", async () => {
    const token = await gitlab.signGitLabToken({ environment: "production" });
    const result = await verifier.verify(token, gitlabPolicy({ environment: "production" }), { audience: AUDIENCE });
    expect(result).toEqual({
      ok: true,
      claims: {
        issuer: gitlab.issuer,
        provider: "gitlab",
        repository: "group/project",
        workflow: ".gitlab-ci.yml",
        ref: "refs/heads/main",
        sha: "5d8e2b7c4a1f9e3d6b0c8a2e4f7d1b9c3e5a7f0d",
        actor: "maintainer",
        eventName: "push",
        environment: "production",
        runnerEnvironment: "gitlab-hosted",
        runUrl: `${gitlab.issuer}/group/project/-/jobs/3434`,
      },
    });
  });

  it("compares the repository without regard to case, as GitHub does", async () => {
    const token = await issuer.signGitHubToken({ repository: "Owner/Repo" });
    const result = await verifier.verify(token, githubPolicy(), { audience: AUDIENCE });
    expect(result.ok && result.claims.repository).toBe("Owner/Repo");
  });

  it("uses the policy's own audience when it names one", async () => {
    const token = await issuer.signGitHubToken({}, { audience: "countersign" });
    expect((await verifier.verify(token, githubPolicy({ audience: "countersign" }), { audience: AUDIENCE })).ok).toBe(
      true,
    );
    expect(refusal(await verifier.verify(token, githubPolicy(), { audience: AUDIENCE }))).toBe(
      "the token's audience is countersign, the link only accepts https://otp.example.com",
    );
  });

  it("accepts an audience list that contains the expected one", async () => {
    const token = await gitlab.signGitLabToken({}, { audience: ["https://vault.example.com", AUDIENCE] });
    expect((await verifier.verify(token, gitlabPolicy(), { audience: AUDIENCE })).ok).toBe(true);
  });

  it("tolerates a minute of clock difference with the issuer", async () => {
    const token = await issuer.signGitHubToken({}, { now: Date.now() + 50_000 });
    expect((await verifier.verify(token, githubPolicy(), { audience: AUDIENCE })).ok).toBe(true);
  });
});

describe("refused tokens", () => {
  const cases: Array<[string, () => Promise<string>, RegExp, (() => LinkPolicyInput)?]> = [
    [
      "wrong audience",
      () => issuer.signGitHubToken({}, { audience: "https://attacker.example" }),
      /^the token's audience is https:\/\/attacker\.example, the link only accepts https:\/\/otp\.example\.com$/,
    ],
    [
      "wrong issuer (a trusted issuer, but not the link's)",
      () => gitlab.signGitLabToken({ project_path: "owner/repo" }),
      /^the token was issued by http:\/\/127\.0\.0\.1:\d+, the link only accepts http:\/\/127\.0\.0\.1:\d+$/,
    ],
    [
      "expired",
      () => issuer.signGitHubToken({}, { now: Date.now() - 10 * MINUTE, lifetimeSeconds: 300 }),
      /^the OIDC token expired at \d{4}-\d\d-\d\dT/,
    ],
    [
      "not yet valid",
      () => issuer.signGitHubToken({ nbf: Math.floor(Date.now() / 1000) + 300 }),
      /^the OIDC token is not valid before \d{4}-/,
    ],
    [
      "issued in the future",
      () => issuer.signGitHubToken({ nbf: undefined, iat: Math.floor(Date.now() / 1000) + 600 }),
      /^the OIDC token claims to be issued in the future/,
    ],
    ["without an expiry", () => issuer.signGitHubToken({ exp: undefined }), /^the OIDC token has no "exp" claim$/],
    [
      "bad signature",
      () => issuer.signWith(issuer.githubClaims(), "wrong-key"),
      /^the token's signature does not verify against the issuer's published keys$/,
    ],
    [
      "tampered claims",
      async () => {
        const [header, , signature] = (await issuer.signGitHubToken()).split(".");
        const forged = Buffer.from(JSON.stringify(issuer.githubClaims({ repository: "owner/repo" }))).toString(
          "base64url",
        );
        return `${header}.${forged}.${signature}`;
      },
      /^the token's signature does not verify/,
    ],
    [
      "unknown key id",
      () => issuer.signWith(issuer.githubClaims(), "unknown-kid"),
      /^the token is signed with key id [0-9a-f]{32}, which the issuer does not publish$/,
    ],
    [
      "alg: none",
      () => issuer.signWith(issuer.githubClaims(), "none"),
      /^the token is signed with algorithm none, which is not accepted$/,
    ],
    [
      "HS256 keyed with the issuer's public key",
      () => issuer.signWith(issuer.githubClaims(), "hs256-public-key"),
      /^the token is signed with algorithm HS256, which is not accepted$/,
    ],
    ["not a JWT", async () => "not-a-token-at-all", /^the OIDC token is not a valid JWT$/],
    [
      "wrong repository",
      () => issuer.signGitHubToken({ repository: "other/repo" }),
      /^repository is other\/repo, the link only accepts owner\/repo$/,
    ],
    [
      "wrong ref",
      () => issuer.signGitHubToken({ ref: "refs/heads/feature" }),
      /^ref is refs\/heads\/feature, the link only accepts branch main$/,
    ],
    [
      "tag when the link takes none",
      () => issuer.signGitHubToken({ ref: "refs/tags/v1.2.3" }),
      /^ref refs\/tags\/v1\.2\.3 is a tag, and the link does not accept tags$/,
      () => githubPolicy({ ref: undefined }),
    ],
    [
      "wrong workflow",
      () => issuer.signGitHubToken({ workflow_ref: "owner/repo/.github/workflows/ci.yml@refs/heads/main" }),
      /^workflow is \.github\/workflows\/ci\.yml, the link only accepts workflow release\.yml$/,
    ],
    [
      "wrong environment",
      () => issuer.signGitHubToken({ environment: "staging" }),
      /^environment is staging, the link only accepts environment npm$/,
      () => githubPolicy({ environment: "npm" }),
    ],
    [
      "no environment when one is required",
      () => issuer.signGitHubToken(),
      /^the job runs in no environment, the link only accepts environment npm$/,
      () => githubPolicy({ environment: "npm" }),
    ],
    [
      "wrong event",
      () => issuer.signGitHubToken({ event_name: "pull_request_target" }),
      /^event is pull_request_target, the link only accepts event push$/,
      () => githubPolicy({ eventName: "push" }),
    ],
    [
      "self-hosted runner when disallowed",
      () => issuer.signGitHubToken({ runner_environment: "self-hosted" }),
      /^runner is self-hosted, the link only accepts github-hosted runners$/,
      () => githubPolicy({ hostedRunnersOnly: true }),
    ],
  ];

  for (const [name, makeToken, reason, policy] of cases) {
    it(`refuses a token: ${name}`, async () => {
      const token = await makeToken();
      const result = await verifier.verify(token, (policy ?? githubPolicy)(), { audience: AUDIENCE });
      const text = refusal(result);
      expect(text).toMatch(reason);
      expect(text).not.toContain(token);
    });
  }

  it("refuses GitLab tokens on a self-managed runner, a wrong project, a tag or another config file", async () => {
    const verify = async (claims: Record<string, unknown>, extra: Partial<LinkPolicyInput> = {}) =>
      refusal(await verifier.verify(await gitlab.signGitLabToken(claims), gitlabPolicy(extra), { audience: AUDIENCE }));
    expect(await verify({ runner_environment: "self-hosted" }, { hostedRunnersOnly: true })).toBe(
      "runner is self-hosted, the link only accepts gitlab-hosted runners",
    );
    expect(await verify({ project_path: "group/other" })).toBe(
      "repository is group/other, the link only accepts group/project",
    );
    expect(await verify({ ref_type: "tag", ref: "v2.0.0" }, { ref: undefined })).toBe(
      "ref refs/tags/v2.0.0 is a tag, and the link does not accept tags",
    );
    expect(
      await verify({ ci_config_ref_uri: `${new URL(gitlab.issuer).host}/group/project//ci/other.yml@refs/heads/main` }),
    ).toBe("workflow is ci/other.yml, the link only accepts workflow .gitlab-ci.yml");
    expect(await verify({ environment: "Production" }, { environment: "production" })).toBe(
      "environment is Production, the link only accepts environment production",
    );
  });

  it("refuses a link whose issuer this server does not trust, before fetching anything", async () => {
    const token = await issuer.signGitHubToken({ iss: GITHUB_ACTIONS_ISSUER });
    const before = { ...issuer.requests };
    const result = await verifier.verify(token, githubPolicy({ issuer: GITHUB_ACTIONS_ISSUER }), {
      audience: AUDIENCE,
    });
    expect(refusal(result)).toBe(`the link's issuer ${GITHUB_ACTIONS_ISSUER} is not trusted by this server`);
    expect(issuer.requests).toEqual(before);
  });

  it("refuses rather than throws on an invalid policy", async () => {
    const token = await issuer.signGitHubToken();
    const policy = { ...githubPolicy(), repository: "not a repository" };
    expect(refusal(await verifier.verify(token, policy, { audience: AUDIENCE }))).toBe(
      "the link's policy is not valid; edit it in the app",
    );
  });
});

describe("conditions that let a run through", () => {
  const accepts = async (claims: Record<string, unknown>, extra: Partial<LinkPolicyInput>) =>
    (await verifier.verify(await issuer.signGitHubToken(claims), githubPolicy(extra), { audience: AUDIENCE })).ok;

  it("matches ref globs, tags named by the ref, and any tag with allowTags", async () => {
    expect(await accepts({ ref: "refs/heads/release/1.x" }, { ref: "refs/heads/release/*" })).toBe(true);
    expect(await accepts({ ref: "refs/heads/release/1.x/hotfix" }, { ref: "refs/heads/release/*" })).toBe(false);
    expect(await accepts({ ref: "refs/tags/v1.0.0" }, { ref: "refs/tags/v*" })).toBe(true);
    expect(await accepts({ ref: "refs/tags/v1.0.0" }, { ref: "main", allowTags: true })).toBe(true);
    expect(await accepts({ ref: "refs/heads/main" }, { ref: "main", allowTags: true })).toBe(true);
    expect(await accepts({ ref: "refs/heads/dev" }, { ref: "main", allowTags: true })).toBe(false);
    expect(await accepts({ ref: "refs/heads/dev" }, { ref: undefined })).toBe(true);
    expect(await accepts({ ref: "refs/tags/v1" }, { ref: undefined, allowTags: true })).toBe(true);
  });

  it("does not take a pull-request ref for a branch", async () => {
    const token = await issuer.signGitHubToken({ ref: "refs/pull/7/merge", event_name: "pull_request" });
    expect(refusal(await verifier.verify(token, githubPolicy({ ref: undefined }), { audience: AUDIENCE }))).toBe(
      "ref refs/pull/7/merge is not a branch, and the link accepts branches only",
    );
  });

  it("matches the workflow by file name or path, and a reusable workflow only with its repository named", async () => {
    const reusable = {
      workflow_ref: "owner/repo/.github/workflows/publish.yml@refs/heads/main",
      job_workflow_ref: "org/shared/.github/workflows/release.yml@refs/heads/main",
    };
    expect(await accepts({}, { workflow: ".github/workflows/release.yml" })).toBe(true);
    expect(await accepts(reusable, { workflow: "release.yml" })).toBe(false);
    expect(await accepts(reusable, { workflow: "org/shared/.github/workflows/release.yml" })).toBe(true);
    expect(await accepts(reusable, { workflow: "publish.yml" })).toBe(true);
    const token = await issuer.signGitHubToken(reusable);
    expect(refusal(await verifier.verify(token, githubPolicy(), { audience: AUDIENCE }))).toBe(
      "workflow is .github/workflows/publish.yml (calling org/shared/.github/workflows/release.yml), the link only accepts workflow release.yml",
    );
  });

  /**
   * Every printable character git allows in a branch name (check-ref-format:
   * no space, ~ ^ : ? * [ \\, no control characters; `@` alone and `/` are fine).
   */
  const GIT_REF_CHARACTERS = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))].filter(
    (c) => !" ~^:?*[\\".includes(c),
  );

  it("never takes a branch name for the workflow: the path ends at the first @ after .github/workflows/<file>", async () => {
    const forged = "acme/rocket/.github/workflows/ci.yml@refs/heads/x/release.yml@y";
    const policy = { repository: "acme/rocket", workflow: "release.yml", ref: undefined };
    expect(await accepts({ repository: "acme/rocket", workflow_ref: forged }, policy)).toBe(false);
    const token = await issuer.signGitHubToken({
      repository: "acme/rocket",
      workflow_ref: forged,
      ref: "refs/heads/x/release.yml@y",
    });
    expect(refusal(await verifier.verify(token, githubPolicy(policy), { audience: AUDIENCE }))).toBe(
      "workflow is .github/workflows/ci.yml, the link only accepts workflow release.yml",
    );
    for (const c of GIT_REF_CHARACTERS) {
      for (const branch of [
        `x${c}release.yml`,
        `x/release.yml${c}y`,
        `x${c}/.github/workflows/release.yml`,
        `release.yml@${c}`,
      ]) {
        const workflow_ref = `acme/rocket/.github/workflows/ci.yml@refs/heads/${branch}`;
        expect(
          await accepts({ repository: "acme/rocket", workflow_ref, ref: `refs/heads/${branch}` }, policy),
          branch,
        ).toBe(false);
        expect(
          await accepts(
            { repository: "acme/rocket", workflow_ref, ref: `refs/heads/${branch}` },
            { ...policy, workflow: "ci.yml" },
          ),
          branch,
        ).toBe(true);
      }
    }
  });

  it("matches the workflow file exactly, not by suffix", async () => {
    const workflow_ref = "owner/repo/.github/workflows/prerelease.yml@refs/heads/main";
    expect(await accepts({ workflow_ref }, { workflow: "release.yml" })).toBe(false);
    expect(await accepts({ workflow_ref }, { workflow: "prerelease.yml" })).toBe(true);
    expect(await accepts({ workflow_ref }, { workflow: ".github/workflows/prerelease.yml" })).toBe(true);
  });

  it("understands no workflow_ref whose ref is not a full ref", async () => {
    for (const workflow_ref of [
      "owner/repo/.github/workflows/release.yml@main",
      "owner/repo/.github/workflows/release.yml",
      "owner/repo/.github/workflows/nested/release.yml@refs/heads/main",
      "owner/repo/release.yml@refs/heads/main",
    ]) {
      expect(await accepts({ workflow_ref }, { workflow: "release.yml" }), workflow_ref).toBe(false);
    }
  });

  it("reads GitLab's config path up to the first @ and matches it whole", async () => {
    const host = new URL(gitlab.issuer).host;
    const verify = async (uri: string, workflow: string) =>
      (
        await verifier.verify(await gitlab.signGitLabToken({ ci_config_ref_uri: uri }), gitlabPolicy({ workflow }), {
          audience: AUDIENCE,
        })
      ).ok;
    expect(await verify(`${host}/group/project//.gitlab-ci.yml@refs/heads/x/release.yml@y`, "release.yml")).toBe(false);
    expect(await verify(`${host}/group/project//ci/prerelease.yml@refs/heads/main`, "release.yml")).toBe(false);
    expect(await verify(`${host}/group/project//ci/release.yml@refs/heads/main`, "ci/release.yml")).toBe(true);
    expect(await verify(`${host}/group/project//.gitlab-ci.yml@refs/heads/x/y@z`, ".gitlab-ci.yml")).toBe(true);
    expect(await verify(`${host}/group/project//.gitlab-ci.yml@main`, ".gitlab-ci.yml")).toBe(false);
  });

  it("treats GitHub environment names without regard to case", async () => {
    expect(await accepts({ environment: "NPM" }, { environment: "npm" })).toBe(true);
  });
});

describe("the issuer's keys", () => {
  it("caches the key set and does not refetch for unknown key ids during the cooldown", async () => {
    const local = await startOidcIssuer({ defaultAudience: AUDIENCE });
    try {
      const cached = createOidcVerifier({ issuers: [{ issuer: local.issuer }], cooldownMs: 60_000 });
      const policy = { ...githubPolicy(), issuer: local.issuer };
      for (let i = 0; i < 3; i++) {
        expect((await cached.verify(await local.signGitHubToken(), policy, { audience: AUDIENCE })).ok).toBe(true);
      }
      for (let i = 0; i < 3; i++) {
        const bogus = await local.signWith(local.githubClaims(), "unknown-kid");
        expect(refusal(await cached.verify(bogus, policy, { audience: AUDIENCE }))).toMatch(/does not publish$/);
      }
      expect(local.requests).toEqual({ discovery: 1, jwks: 1 });
    } finally {
      await local.close();
    }
  });

  it("picks up a key rotation at the issuer", async () => {
    const local = await startOidcIssuer({ defaultAudience: AUDIENCE });
    try {
      const rotating = createOidcVerifier({ issuers: [{ issuer: local.issuer }], cooldownMs: 0 });
      const policy = { ...githubPolicy(), issuer: local.issuer };
      const before = await local.signGitHubToken();
      expect((await rotating.verify(before, policy, { audience: AUDIENCE })).ok).toBe(true);

      await local.rotateKey();
      const after = await local.signGitHubToken();
      expect((await rotating.verify(after, policy, { audience: AUDIENCE })).ok).toBe(true);
      expect(local.requests.jwks).toBe(2);
      expect(refusal(await rotating.verify(before, policy, { audience: AUDIENCE }))).toMatch(
        /^the token is signed with key id [0-9a-f]+, which the issuer does not publish$/,
      );
    } finally {
      await local.close();
    }
  });

  it("refuses, without throwing, when the issuer cannot be reached, and retries discovery later", async () => {
    const local = await startOidcIssuer({ defaultAudience: AUDIENCE });
    let reachable = false;
    const flaky: typeof fetch = (input, init) =>
      reachable ? fetch(input, init) : Promise.reject(new TypeError("fetch failed"));
    const unreachable = createOidcVerifier({ issuers: [{ issuer: local.issuer }], fetch: flaky });
    const policy = { ...githubPolicy(), issuer: local.issuer };
    try {
      const token = await local.signGitHubToken();
      expect(refusal(await unreachable.verify(token, policy, { audience: AUDIENCE }))).toBe(
        `the issuer's signing keys could not be found: could not reach ${local.issuer}/.well-known/openid-configuration`,
      );
      reachable = true;
      expect((await unreachable.verify(token, policy, { audience: AUDIENCE })).ok).toBe(true);
    } finally {
      await local.close();
    }
  });

  it("checks expiry against the clock it is given", async () => {
    const late = createOidcVerifier({
      issuers: [{ issuer: issuer.issuer }],
      clock: { now: () => Date.now() + 60 * MINUTE },
    });
    const token = await issuer.signGitHubToken();
    expect(refusal(await late.verify(token, githubPolicy(), { audience: AUDIENCE }))).toMatch(
      /^the OIDC token expired/,
    );
  });
});
