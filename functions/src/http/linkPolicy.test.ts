import {
  type AccountView,
  type ApprovalView,
  type AuditEntry,
  type CreatedLink,
  generateTimedCodes,
  type LinkView,
  OIDC_TOKEN_HEADER,
} from "@countersign/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalOidcIssuer, startOidcIssuer } from "../../../e2e/harness/oidc-issuer.js";
import { appSuite } from "../testing/appSuite.js";
import { send, TestDevice } from "../testing/TestDevice.js";

const TOTP = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 } as const;
const MINUTE = 60_000;

const suite = appSuite();
let issuer: LocalOidcIssuer;
let gitlab: LocalOidcIssuer;

beforeAll(async () => {
  [issuer, gitlab] = await Promise.all([startOidcIssuer(), startOidcIssuer({ alg: "ES256" })]);
});
afterAll(async () => {
  await Promise.all([issuer.close(), gitlab.close()]);
});

async function start() {
  await suite.start({
    config: { oidcIssuers: [{ issuer: issuer.issuer }, { issuer: gitlab.issuer, jwksUrl: gitlab.jwksUrl }] },
    // Key rotation is seen at once (the cooldown only shields the issuer from bogus key ids).
    oidc: { cooldownMs: 0 },
  });
}

const githubPolicy = (overrides: Record<string, unknown> = {}) => ({
  issuer: issuer.issuer,
  repository: "owner/repo",
  workflow: "release.yml",
  ref: "main",
  environment: "npm",
  hostedRunnersOnly: true,
  ...overrides,
});

/** A token as the release job of owner/repo gets it, for this server's origin. */
const githubToken = (overrides: Record<string, unknown> = {}, options: { now?: number; audience?: string } = {}) =>
  issuer.signGitHubToken({ environment: "npm", ...overrides }, { audience: suite.app.url, ...options });

/** A paired device with push, an account and a link with `policy`. */
async function setup(policy: Record<string, unknown> | null = githubPolicy()) {
  await start();
  const device = await TestDevice.pair(suite.app.url, { setupCode: suite.app.setupCode }, "Pixel");
  expect((await device.call("PUT", "/api/v1/devices/me/push", suite.push.createSubscription())).status).toBe(200);
  const account = (await device.call<AccountView>("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" })).body;
  const created = await device.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, {
    name: "Release",
    ...(policy ? { policy } : {}),
  });
  expect(created.status).toBe(201);
  return { device, account, link: created.body.link, token: created.body.token };
}

function ci(token: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return send<Record<string, unknown>>(`${suite.app.url}/api/v1/otp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function approve(device: TestDevice, requestId: string) {
  const codes = await generateTimedCodes(TOTP, Date.now());
  const answer = await device.call("POST", `/api/v1/approvals/${requestId}/answer`, { decision: "approve", codes });
  expect(answer.status).toBe(200);
  return codes;
}

async function history(device: TestDevice, accountId: string) {
  return (await device.call<AuditEntry[]>("GET", `/api/v1/accounts/${accountId}/history`)).body;
}

describe("a link's policy", () => {
  it("is set at creation, listed, replaced, kept across other edits and removed", async () => {
    const { device, account, link } = await setup();
    expect(link.policy).toEqual({ ...githubPolicy(), allowTags: false });

    const listed = await device.call<LinkView[]>("GET", `/api/v1/accounts/${account.id}/links`);
    expect(listed.body[0]?.policy).toMatchObject({ repository: "owner/repo", workflow: "release.yml" });

    const replaced = await device.call<LinkView>("PATCH", `/api/v1/links/${link.id}`, {
      policy: { issuer: `${gitlab.issuer}/`, repository: "group/project", ref: "refs/tags/v*" },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.policy).toEqual({
      issuer: gitlab.issuer,
      repository: "group/project",
      ref: "refs/tags/v*",
      allowTags: false,
      hostedRunnersOnly: false,
    });
    await device.call("PATCH", `/api/v1/links/${link.id}`, { name: "Tags", paused: true });
    const renamed = await device.call<LinkView[]>("GET", `/api/v1/accounts/${account.id}/links`);
    expect(renamed.body[0]).toMatchObject({ name: "Tags", paused: true, policy: { repository: "group/project" } });

    const removed = await device.call<LinkView>("PATCH", `/api/v1/links/${link.id}`, { policy: null });
    expect(removed.body.policy).toBeNull();
    expect((await device.call<LinkView[]>("GET", `/api/v1/accounts/${account.id}/links`)).body[0]?.policy).toBeNull();
  });

  it("refuses a bad policy with 400 and a reason, changing nothing", async () => {
    const { device, account, link } = await setup();
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...githubPolicy(), branch: "main" }, /Unrecognized key.*branch/i],
      [githubPolicy({ repository: "just-a-name" }), /repository must look like owner\/repo/],
      [githubPolicy({ issuer: "http://gitlab.example.com" }), /must use https/],
      [githubPolicy({ ref: "main branch" }), /ref must be a git ref/],
      [
        githubPolicy({ issuer: "https://gitlab.example.com" }),
        /does not trust the issuer https:\/\/gitlab\.example\.com/,
      ],
    ];
    for (const [policy, reason] of bad) {
      const created = await device.call<{ error: string; message: string }>(
        "POST",
        `/api/v1/accounts/${account.id}/links`,
        { name: "Bad", policy },
      );
      expect(created.status).toBe(400);
      expect(created.body.error).toBe("bad_request");
      expect(created.body.message).toMatch(reason);
      const updated = await device.call<{ message: string }>("PATCH", `/api/v1/links/${link.id}`, { policy });
      expect(updated.status).toBe(400);
      expect(updated.body.message).toMatch(reason);
    }
    const links = await device.call<LinkView[]>("GET", `/api/v1/accounts/${account.id}/links`);
    expect(links.body).toHaveLength(1);
    expect(links.body[0]?.policy).toEqual({ ...githubPolicy(), allowTags: false });
  });
});

describe("a request to a link with a policy", () => {
  it("is accepted with a good token; the device sees the verified claims and CI gets the code", async () => {
    const { device, account, token } = await setup();
    const oidcToken = await githubToken();
    const waiting = ci(token, {
      oidcToken,
      package: { name: "foo", version: "1.2.3" },
      context: { repository: "claimed/elsewhere", runUrl: "https://example.com/not-the-run" },
    });
    const approval = await device.pendingApproval();
    expect(approval.verified).toMatchObject({
      provider: "github",
      repository: "owner/repo",
      workflow: ".github/workflows/release.yml",
      ref: "refs/heads/main",
      actor: "octocat",
      environment: "npm",
      runUrl: "https://github.com/owner/repo/actions/runs/9876543210/attempts/1",
    });
    expect(approval.claimed).toMatchObject({ repository: "claimed/elsewhere" });
    expect(JSON.stringify(approval)).not.toContain(oidcToken);

    const notification = await suite.push.waitForMessage((m) => (m.payload as { type?: string }).type === "approval");
    expect((notification.payload as { title: string }).title).toBe("Publish foo@1.2.3 from owner/repo?");

    const codes = await approve(device, approval.id);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(codes.map((c) => c.otp)).toContain(answer.body.otp);

    const [entry] = await history(device, account.id);
    expect(entry).toMatchObject({ outcome: "delivered", verified: { repository: "owner/repo" } });
    const db = JSON.stringify(await suite.app.store.getRequest(approval.id));
    expect(db).not.toContain(oidcToken);
    expect(suite.app.logs.join("\n")).not.toContain(oidcToken);
  });

  it("is accepted with a GitLab CI token", async () => {
    const { device, token } = await setup({
      issuer: gitlab.issuer,
      repository: "group/project",
      workflow: ".gitlab-ci.yml",
      ref: "main",
    });
    const waiting = ci(token, { oidcToken: await gitlab.signGitLabToken({}, { audience: suite.app.url }) });
    const approval = await device.pendingApproval();
    expect(approval.verified).toMatchObject({
      provider: "gitlab",
      repository: "group/project",
      actor: "maintainer",
      runUrl: `${gitlab.issuer}/group/project/-/jobs/3434`,
    });
    await approve(device, approval.id);
    expect((await waiting).status).toBe(200);
  });

  const refusals: Array<[string, () => Promise<string | undefined>, RegExp]> = [
    ["no token", async () => undefined, /carried none.*id-token: write.*id_tokens/],
    [
      "wrong audience",
      () => githubToken({}, { audience: "https://attacker.example" }),
      /^the token's audience is https:\/\/attacker\.example, the link only accepts http:\/\/127\.0\.0\.1:\d+$/,
    ],
    [
      "wrong issuer",
      () => gitlab.signGitLabToken({ project_path: "owner/repo" }, { audience: suite.app.url }),
      /^the token was issued by http:\/\/127\.0\.0\.1:\d+, the link only accepts/,
    ],
    ["expired", () => githubToken({}, { now: Date.now() - 10 * MINUTE }), /^the OIDC token expired at/],
    [
      "not yet valid",
      () => githubToken({ nbf: Math.floor(Date.now() / 1000) + 300 }),
      /^the OIDC token is not valid before/,
    ],
    [
      "bad signature",
      () => issuer.signWith(issuer.githubClaims({ environment: "npm" }, { audience: suite.app.url }), "wrong-key"),
      /^the token's signature does not verify/,
    ],
    [
      "unknown key id",
      () => issuer.signWith(issuer.githubClaims({ environment: "npm" }, { audience: suite.app.url }), "unknown-kid"),
      /which the issuer does not publish$/,
    ],
    [
      "alg: none",
      () => issuer.signWith(issuer.githubClaims({ environment: "npm" }, { audience: suite.app.url }), "none"),
      /algorithm none, which is not accepted/,
    ],
    [
      "HS256 keyed with the public key",
      () =>
        issuer.signWith(issuer.githubClaims({ environment: "npm" }, { audience: suite.app.url }), "hs256-public-key"),
      /algorithm HS256, which is not accepted/,
    ],
    ["wrong repository", () => githubToken({ repository: "other/repo" }), /^repository is other\/repo/],
    ["wrong ref", () => githubToken({ ref: "refs/heads/feature" }), /^ref is refs\/heads\/feature/],
    [
      "wrong workflow",
      () => githubToken({ workflow_ref: "owner/repo/.github/workflows/ci.yml@refs/heads/main" }),
      /^workflow is \.github\/workflows\/ci\.yml/,
    ],
    ["wrong environment", () => githubToken({ environment: "staging" }), /^environment is staging/],
    [
      "self-hosted runner",
      () => githubToken({ runner_environment: "self-hosted" }),
      /^runner is self-hosted, the link only accepts github-hosted runners$/,
    ],
  ];

  it("is refused with 403 policy for each failing token: nothing notified, each refusal in the history", async () => {
    const { device, account, token } = await setup();
    const pushesBefore = suite.push.messages.length;
    for (const [name, makeToken, reason] of refusals) {
      const oidcToken = await makeToken();
      const refused = await ci(token, {
        ...(oidcToken ? { oidcToken } : {}),
        package: { name: "foo", version: "1.2.3" },
      });
      expect(refused.status, name).toBe(403);
      expect(refused.body.error, name).toBe("policy");
      expect(String(refused.body.message), name).toMatch(reason);
      if (oidcToken) {
        expect(refused.text, name).not.toContain(oidcToken);
        expect(suite.app.logs.join("\n"), name).not.toContain(oidcToken);
      }
    }
    expect(suite.push.messages.length).toBe(pushesBefore);
    expect((await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body).toEqual([]);

    const entries = await history(device, account.id);
    expect(entries).toHaveLength(refusals.length);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        outcome: "policy_refused",
        requestId: null,
        verified: null,
        package: { name: "foo", version: "1.2.3" },
      });
    }
    const messages = entries.map((entry) => entry.message ?? "");
    for (const [name, , reason] of refusals) {
      expect(
        messages.some((message) => reason.test(message)),
        name,
      ).toBe(true);
    }
  });

  it("picks up a key rotation at the issuer", async () => {
    const { device, token } = await setup();
    const first = ci(token, { oidcToken: await githubToken() });
    await approve(device, (await device.pendingApproval()).id);
    expect((await first).status).toBe(200);

    await issuer.rotateKey();
    const second = ci(token, { oidcToken: await githubToken() });
    await approve(device, (await device.pendingApproval()).id);
    expect((await second).status).toBe(200);
  });

  it("a retry joins its request only from the same CI run, keeping the claims it was verified with", async () => {
    const { device, token } = await setup();
    const key = { "idempotency-key": "run-9876543210-attempt-1" };
    const first = ci(token, { oidcToken: await githubToken(), wait: 30 }, key);
    const approval = await device.pendingApproval();
    await suite.push.waitForMessage((m) => (m.payload as { requestId?: string }).requestId === approval.id);
    const notified = suite.push.messages.length;

    const otherRun = await ci(token, { oidcToken: await githubToken({ run_id: "1111" }), wait: 0 }, key);
    expect(otherRun.status).toBe(403);
    expect(otherRun.body).toMatchObject({ error: "policy", message: expect.stringMatching(/another CI run/) });
    const unverified = await ci(token, { wait: 0 }, key);
    expect(unverified.status).toBe(403);

    const retry = await ci(token, { oidcToken: await githubToken(), wait: 0 }, key);
    expect(retry.status).toBe(408);
    expect(retry.body.requestId).toBe(approval.id);
    expect(suite.push.messages.length).toBe(notified);
    expect((await device.call<ApprovalView>("GET", `/api/v1/approvals/${approval.id}`)).body.verified?.runUrl).toBe(
      "https://github.com/owner/repo/actions/runs/9876543210/attempts/1",
    );

    await approve(device, approval.id);
    expect((await first).status).toBe(200);
  });

  it("a resume collects the code only with a token of the request's own CI run", async () => {
    const { device, account, token } = await setup();
    const started = await ci(token, { oidcToken: await githubToken(), wait: 0 });
    expect(started.status).toBe(408);
    const requestId = String(started.body.requestId);
    const resume = (oidcToken?: string) =>
      send<Record<string, unknown>>(`${suite.app.url}/api/v1/requests/${requestId}?wait=0`, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(oidcToken ? { [OIDC_TOKEN_HEADER]: oidcToken } : {}),
        },
      });
    await approve(device, requestId);

    // The link token and the request id alone (both may show in a CI log) collect nothing.
    const bare = await resume();
    expect(bare.status).toBe(403);
    expect(bare.body).toMatchObject({ error: "policy", message: expect.stringMatching(/x-countersign-oidc-token/) });
    const otherRun = await resume(await githubToken({ run_id: "1111" }));
    expect(otherRun.status).toBe(403);
    expect(otherRun.body).toMatchObject({ error: "policy", message: expect.stringMatching(/another CI run/) });
    const otherRepository = await resume(await githubToken({ repository: "mallory/repo" }));
    expect(otherRepository.status).toBe(403);
    expect((await resume("not-a-token-at-all")).status).toBe(403);
    expect((await resume("short")).status).toBe(400);
    const refusals = (await history(device, account.id)).filter((entry) => entry.outcome === "policy_refused");
    expect(refusals).toHaveLength(4);

    // The refusals took nothing: the run's own resume still gets the code, once.
    const own = await resume(await githubToken());
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ requestId, otp: expect.stringMatching(/^\d{6}$/) });
    expect((await resume(await githubToken())).status).toBe(410);
  });

  it("a withdrawal, like a resume, needs a token of the request's own CI run", async () => {
    const { device, token } = await setup();
    const started = await ci(token, { oidcToken: await githubToken(), wait: 0 });
    const requestId = String(started.body.requestId);
    const withdraw = (oidcToken?: string) =>
      send<Record<string, unknown>>(`${suite.app.url}/api/v1/requests/${requestId}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${token}`, ...(oidcToken ? { [OIDC_TOKEN_HEADER]: oidcToken } : {}) },
      });
    expect(await withdraw()).toMatchObject({ status: 403, body: { error: "policy" } });
    const otherRun = await withdraw(await githubToken({ run_id: "1111" }));
    expect(otherRun).toMatchObject({
      status: 403,
      body: { message: expect.stringMatching(/only that run can withdraw/) },
    });
    expect((await device.pendingApproval()).id).toBe(requestId);
    expect((await withdraw(await githubToken())).status).toBe(204);
    expect((await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body).toEqual([]);
  });

  it("a link without a policy still answers, with or without a token, and shows nothing as verified", async () => {
    const { device, token } = await setup(null);
    const waiting = ci(token, { oidcToken: await githubToken({ repository: "other/repo" }) });
    const approval = await device.pendingApproval();
    expect(approval.verified).toBeNull();
    await approve(device, approval.id);
    expect((await waiting).status).toBe(200);
  });
});
