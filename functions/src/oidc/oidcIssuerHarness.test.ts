import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalOidcIssuer, startOidcIssuer } from "../../../e2e/harness/oidc-issuer.js";

let issuer: LocalOidcIssuer;

beforeAll(async () => {
  issuer = await startOidcIssuer({ defaultAudience: "https://otp.example.com" });
});
afterAll(() => issuer.close());

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe("the local OIDC issuer (e2e/harness/oidc-issuer.ts)", () => {
  it("serves discovery pointing at its key set", async () => {
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const discovery = await getJson(`${issuer.issuer}/.well-known/openid-configuration`);
    expect(discovery).toMatchObject({ issuer: issuer.issuer, jwks_uri: issuer.jwksUrl });
    const jwks = await getJson(issuer.jwksUrl);
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: "RSA", kid: issuer.kid, alg: "RS256", use: "sig" })]);
  });

  it("signs tokens carrying the claims GitHub Actions sets", async () => {
    const token = await issuer.signGitHubToken({ ref: "refs/tags/v1.0.0", environment: "npm" });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", kid: issuer.kid, typ: "JWT" });
    const claims = decodeJwt(token);
    for (const name of [
      "jti",
      "sub",
      "aud",
      "ref",
      "sha",
      "repository",
      "repository_owner",
      "run_id",
      "run_attempt",
      "actor",
      "event_name",
      "ref_type",
      "workflow_ref",
      "job_workflow_ref",
      "runner_environment",
      "iss",
      "iat",
      "nbf",
      "exp",
    ]) {
      expect(claims, name).toHaveProperty(name);
    }
    expect(claims).toMatchObject({
      iss: issuer.issuer,
      aud: "https://otp.example.com",
      ref: "refs/tags/v1.0.0",
      ref_type: "tag",
      environment: "npm",
      sub: "repo:owner/repo:ref:refs/tags/v1.0.0",
      workflow_ref: "owner/repo/.github/workflows/release.yml@refs/tags/v1.0.0",
    });
  });

  it("signs tokens carrying the claims GitLab CI sets, and removes claims overridden with undefined", async () => {
    const claims = decodeJwt(await issuer.signGitLabToken({ ref_type: "tag", ref: "v2", environment: undefined }));
    expect(claims).toMatchObject({
      project_path: "group/project",
      ref: "v2",
      ref_type: "tag",
      ref_path: "refs/tags/v2",
      pipeline_source: "push",
      runner_environment: "gitlab-hosted",
      sub: "project_path:group/project:ref_type:tag:ref:v2",
      ci_config_ref_uri: `${new URL(issuer.issuer).host}/group/project//.gitlab-ci.yml@refs/tags/v2`,
    });
    expect(claims).toHaveProperty("job_id");
    expect(claims).not.toHaveProperty("environment");
  });

  it("crafts bad tokens and rotates keys", async () => {
    const none = await issuer.signWith(issuer.githubClaims(), "none");
    expect(decodeProtectedHeader(none).alg).toBe("none");
    expect(none.endsWith(".")).toBe(true);
    expect(decodeProtectedHeader(await issuer.signWith(issuer.githubClaims(), "hs256-public-key")).alg).toBe("HS256");
    expect(decodeProtectedHeader(await issuer.signWith(issuer.githubClaims(), "unknown-kid")).kid).not.toBe(issuer.kid);

    const oldKid = issuer.kid;
    await issuer.rotateKey({ keepOld: true });
    const kids = ((await getJson(issuer.jwksUrl)).keys as Array<{ kid: string }>).map((key) => key.kid);
    expect(kids).toEqual([oldKid, issuer.kid]);
    await issuer.rotateKey();
    expect(((await getJson(issuer.jwksUrl)).keys as Array<{ kid: string }>).map((key) => key.kid)).toEqual([
      issuer.kid,
    ]);
  });
});
