import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalOidcIssuer, startOidcIssuer } from "../../../e2e/harness/oidc-issuer.js";
import { ApiDevice } from "../../../e2e/helpers/apiDevice.js";
import { runBin, startBin } from "../testing/runBin.js";
import { startHttpServer } from "../testing/startHttpServer.js";
import { startPushSink } from "../testing/startPushSink.js";
import { type Relay, startRelay } from "../testing/startRelay.js";

/**
 * GitHub Actions' OIDC flow end to end: the CLI asks a GitHub-style token
 * service (on loopback, tokens signed by a local issuer the relay trusts) for
 * a token with the relay's origin as audience, and the relay verifies it
 * against the link's policy.
 */

const TOTP = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 } as const;
const REQUEST_TOKEN = "gh-request-token-secret";

describe("countersign with GitHub OIDC against the real relay", () => {
  let issuer: LocalOidcIssuer;
  let relay: Relay;
  let push: Awaited<ReturnType<typeof startPushSink>>;
  let github: Awaited<ReturnType<typeof startHttpServer>>;
  let device: ApiDevice;
  let accountId: string;
  let githubEnv: Record<string, string>;
  const audiences: (string | null)[] = [];
  const issuedTokens: string[] = [];

  beforeAll(async () => {
    issuer = await startOidcIssuer();
    push = await startPushSink();
    relay = await startRelay({
      COUNTERSIGN_PUSH_ALLOW: push.host,
      COUNTERSIGN_OIDC_ISSUERS: `${issuer.issuer}=${issuer.jwksUrl}`,
    });
    github = await startHttpServer(async (request, response) => {
      const audience = new URL(request.url, "http://x").searchParams.get("audience");
      audiences.push(audience);
      if (request.headers.authorization !== `bearer ${REQUEST_TOKEN}` || !audience) {
        response.writeHead(401);
        return void response.end();
      }
      const token = await issuer.signGitHubToken(
        { repository: "acme/rocket", ref: "refs/tags/v1.4.0", run_id: "987654321" },
        { audience },
      );
      issuedTokens.push(token);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ count: 1, value: token }));
    });
    device = await ApiDevice.pair(relay.origin, { setupCode: relay.setupCode });
    await device.subscribePush(push.subscription);
    accountId = (await device.createAccount("npm", "wile")).id;
    githubEnv = {
      GITHUB_ACTIONS: "true",
      GITHUB_REPOSITORY: "acme/rocket",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_RUN_ID: "987654321",
      GITHUB_REF: "refs/tags/v1.4.0",
      ACTIONS_ID_TOKEN_REQUEST_URL: `${github.origin}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
    };
  }, 30_000);

  afterAll(async () => {
    await relay?.stop();
    await push?.close();
    await github?.close();
    await issuer?.close();
  });

  it("sends the job's ID token for the relay's origin; the phone sees the repository as verified", async () => {
    const { url, token } = await device.createLink(accountId, "Release", {
      issuer: issuer.issuer,
      repository: "acme/rocket",
      allowTags: true,
    });
    const run = startBin(["otp", "--verbose", "--package", "@acme/rocket@1.4.0"], {
      ...githubEnv,
      COUNTERSIGN_URL: url,
    });
    const approval = await device.nextApproval();
    expect(audiences.at(-1)).toBe(relay.origin);
    expect(approval.verified).toMatchObject({ repository: "acme/rocket" });
    await device.approve(approval, TOTP);

    const result = await run.done;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\d{6}\n$/);
    expect(result.stderr).toContain("(with an OIDC token)");
    const output = result.stdout + result.stderr;
    for (const secret of [token, REQUEST_TOKEN, ...issuedTokens]) expect(output).not.toContain(secret);
  });

  it("exits 5 when the link's policy names another repository, without notifying the phone", async () => {
    const { url } = await device.createLink(accountId, "Other", {
      issuer: issuer.issuer,
      repository: "acme/other",
      allowTags: true,
    });
    const pushes = push.count();
    const result = await runBin(["otp"], { ...githubEnv, COUNTERSIGN_URL: url });
    expect(result.exitCode).toBe(5);
    expect(result.stderr).toMatch(/policy/);
    expect(push.count()).toBe(pushes);
  });

  it("exits 5 and says what to add when the job has no id-token permission", async () => {
    const { url } = await device.createLink(accountId, "No token", {
      issuer: issuer.issuer,
      repository: "acme/rocket",
      allowTags: true,
    });
    const { ACTIONS_ID_TOKEN_REQUEST_URL: _url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: _token, ...withoutOidc } = githubEnv;
    const result = await runBin(["otp"], { ...withoutOidc, COUNTERSIGN_URL: url });
    expect(result.exitCode).toBe(5);
    expect(result.stderr).toContain("id-token: write");
  });
});
