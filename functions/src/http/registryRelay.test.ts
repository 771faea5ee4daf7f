import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ApprovalView,
  type AuditEntry,
  type CreatedLink,
  generateTimedCodes,
  type PushPayload,
} from "@countersign/shared";
import { CompactEncrypt, compactDecrypt, exportJWK, generateKeyPair } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { npmPublish } from "../../../e2e/helpers/registryOperations.js";
import { WIPE_CHECKPOINT_DELAY_MS } from "../store/SqliteStore.js";
import { appSuite } from "../testing/appSuite.js";
import { expectDeliveredText } from "../testing/deliveredCode.js";
import { send, TestDevice } from "../testing/TestDevice.js";

/**
 * What `countersign exec`'s registry relay sends (docs/api.md): the operation
 * read from the challenged request, the registry's challenge (a code or its
 * passkey page), a run offer; and the withdrawal of a request.
 */

const TOTP = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 } as const;
const AUTH_URL = "https://www.npmjs.com/auth/cli/8f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f";
const operation = npmPublish("foo", "1.2.3", {
  tag: "latest",
  tarball: { size: 48_213, integrity: `sha512-${"Qm".repeat(43)}==` },
});
const web = { type: "web", authUrl: AUTH_URL };

const suite = appSuite();
beforeEach(() => suite.start());

async function setup() {
  const device = await TestDevice.pair(suite.app.url, { setupCode: suite.app.setupCode }, "Pixel");
  const subscription = suite.push.createSubscription();
  await device.call("PUT", "/api/v1/devices/me/push", subscription);
  const { account, token } = await device.addAccountWithLink("GitHub");
  return { device, subscription, account, token };
}

function ci(token: string, body: unknown, headers: Record<string, string> = {}) {
  return send<Record<string, unknown>>(`${suite.app.url}/api/v1/otp`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

function withdraw(token: string, requestId: string) {
  return send<Record<string, unknown>>(`${suite.app.url}/api/v1/requests/${requestId}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
}

const answer = (device: TestDevice, requestId: string, body: unknown) =>
  device.call<Record<string, unknown>>("POST", `/api/v1/approvals/${requestId}/answer`, body);

async function history(device: TestDevice, accountId: string) {
  return (await device.call<AuditEntry[]>("GET", `/api/v1/accounts/${accountId}/history`)).body;
}

describe("a web challenge (the registry's passkey page)", () => {
  it("shows what the registry was asked, is approved by opening the page, and CI hears it once", async () => {
    const { device, subscription, account, token } = await setup();
    const waiting = ci(
      token,
      { operation, challenge: web, context: { repository: "owner/repo" } },
      {
        accept: "application/json",
      },
    );
    const message = await suite.push.waitForMessage((m) => m.endpoint === subscription.endpoint);
    expect(message.payload).toMatchObject({
      type: "approval",
      title: "npm asks for your passkey to publish foo@1.2.3 from owner/repo",
      body: 'npm: alice · CI link "GitHub" · claimed by CI. Tap to review, then "Open npm".',
      needsScreen: true,
    });
    const approval = await device.pendingApproval();
    expect(approval).toMatchObject({ operation, challenge: { type: "web", authUrl: AUTH_URL }, run: null });

    const codes = await generateTimedCodes(TOTP, Date.now());
    const withCodes = await answer(device, approval.id, { decision: "approve", codes });
    expect(withCodes).toMatchObject({ status: 400, body: { message: expect.stringMatching(/"opened":true/) } });
    expect((await answer(device, approval.id, { decision: "approve", opened: true })).status).toBe(200);

    const delivered = await waiting;
    expect(delivered.status).toBe(200);
    expect(delivered.body).toEqual({
      requestId: approval.id,
      approvedAt: expect.any(Number),
      approvedBy: "Pixel",
      opened: true,
    });
    const again = await send(`${suite.app.url}/api/v1/requests/${approval.id}?wait=0`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(410);

    // Once answered, the page's address is gone from the view, the database files and the logs.
    const answered = await device.call<ApprovalView>("GET", `/api/v1/approvals/${approval.id}`);
    expect(answered.body.challenge).toEqual({ type: "web" });
    const leftovers = () =>
      readdirSync(suite.app.dataDir).filter((file) => readFileSync(join(suite.app.dataDir, file)).includes(AUTH_URL));
    await expect.poll(leftovers, { timeout: 2000, interval: WIPE_CHECKPOINT_DELAY_MS }).toEqual([]);
    expect(suite.app.logs.join("\n")).not.toContain("npmjs.com/auth");
    expect((await history(device, account.id))[0]).toMatchObject({
      outcome: "delivered",
      challenge: "web",
      operation,
    });
  });

  it('a plain caller reads the line "opened"', async () => {
    const { device, token } = await setup();
    const waiting = ci(token, { challenge: web });
    const approval = await device.pendingApproval();
    await answer(device, approval.id, { decision: "approve", opened: true });
    const delivered = await waiting;
    expect(delivered.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(delivered.text).toBe("opened\n");
  });

  it("opened is refused for a code request, and a denial works as for codes", async () => {
    const { device, token } = await setup();
    const codeRequest = ci(token, { operation, wait: 0 });
    const approval = await device.pendingApproval();
    expect((await answer(device, approval.id, { decision: "approve", opened: true })).status).toBe(400);
    await codeRequest;
    await withdraw(token, approval.id);

    const pageRequest = ci(token, { operation, challenge: web });
    const page = await device.pendingApproval();
    await answer(device, page.id, { decision: "deny" });
    expect(await pageRequest).toMatchObject({ status: 403, body: { error: "denied" } });
    expect((await device.call<ApprovalView>("GET", `/api/v1/approvals/${page.id}`)).body.challenge).toEqual({
      type: "web",
    });
  });
});

describe("a run offer", () => {
  it("needs a public key and a code challenge", async () => {
    const { subscription, token } = await setup();
    const noKey = await ci(token, { run: { seconds: 600 } });
    expect(noKey).toMatchObject({
      status: 400,
      body: { error: "bad_request", message: expect.stringMatching(/publicKey/) },
    });
    const { publicKey } = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    const withWeb = await ci(token, { run: { seconds: 600 }, publicKey: await exportJWK(publicKey), challenge: web });
    expect(withWeb).toMatchObject({ status: 400, body: { message: expect.stringMatching(/web challenge/) } });
    expect((await ci(token, { run: { seconds: 30 } })).status).toBe(400);
    expect((await ci(token, { run: { seconds: 1801 } })).status).toBe(400);
    expect(suite.push.messages.filter((m) => m.endpoint === subscription.endpoint)).toHaveLength(0);
  });

  it("the phone covers the run: CI gets a JWE of codes up to runUntil, bounded by the offer", async () => {
    const { device, subscription, account, token } = await setup();
    const { publicKey, privateKey } = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    const waiting = ci(
      token,
      { operation, publicKey: await exportJWK(publicKey), run: { seconds: 600 } },
      {
        accept: "application/json",
      },
    );
    const message = await suite.push.waitForMessage((m) => m.endpoint === subscription.endpoint);
    expect(message.payload).toMatchObject({ title: "Publish foo@1.2.3?", needsScreen: true });
    const approval = await device.pendingApproval();
    expect(approval.run).toEqual({ seconds: 600 });

    const runUntil = approval.createdAt + 600_000;
    const codes = await generateTimedCodes(TOTP, Date.now(), 21);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ codes, runUntil })))
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM" })
      .encrypt(publicKey);
    const tooFar = await answer(device, approval.id, { decision: "approve", jwe, runUntil: runUntil + 60_001 });
    expect(tooFar).toMatchObject({ status: 400, body: { message: expect.stringMatching(/past the run/) } });
    expect((await answer(device, approval.id, { decision: "approve", jwe, runUntil })).status).toBe(200);

    const delivered = await waiting;
    expect(delivered.body).toMatchObject({ requestId: approval.id, jwe });
    const { plaintext } = await compactDecrypt(String(delivered.body.jwe), privateKey);
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual({ codes, runUntil });
    expect((await history(device, account.id))[0]).toMatchObject({ outcome: "delivered", runUntil, operation });
  });

  it("runUntil is refused for a request that offered no run", async () => {
    const { device, token } = await setup();
    const { publicKey } = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    void ci(token, { publicKey: await exportJWK(publicKey), wait: 0 });
    const approval = await device.pendingApproval();
    const jwe = await new CompactEncrypt(new TextEncoder().encode("{}"))
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM" })
      .encrypt(publicKey);
    const refused = await answer(device, approval.id, { decision: "approve", jwe, runUntil: Date.now() + 60_000 });
    expect(refused).toMatchObject({ status: 400, body: { message: expect.stringMatching(/offered no run/) } });
  });
});

describe("the CI contract without the new fields", () => {
  it("pushes, shows and records a plain request exactly as before", async () => {
    const { device, subscription, account, token } = await setup();
    const waiting = ci(token, { package: { name: "foo", version: "1.2.3" } });
    const message = await suite.push.waitForMessage((m) => m.endpoint === subscription.endpoint);
    expect(Object.keys(message.payload as PushPayload).sort()).toEqual(
      // Issue 18: an unverified request says so (the app then offers no one-tap Approve by default).
      ["accountId", "body", "expiresAt", "requestId", "title", "type", "unverified", "v"].sort(),
    );
    const approval = await device.pendingApproval();
    expect(approval).toMatchObject({ operation: null, challenge: { type: "otp" }, run: null });
    const codes = await generateTimedCodes(TOTP, Date.now());
    await answer(device, approval.id, { decision: "approve", codes });
    expectDeliveredText((await waiting).text, codes);
    const [entry] = await history(device, account.id);
    expect(Object.keys(entry ?? {}).sort()).toEqual(
      [
        "answeredBy",
        "at",
        "claimed",
        "id",
        "linkId",
        "linkName",
        "message",
        "outcome",
        "package",
        "requestId",
        "requester",
        "verified",
      ].sort(),
    );
  });
});

describe("Idempotency-Key and the registry fields", () => {
  it("a retry joins only a request for the same operation and challenge; another one is a 409", async () => {
    const { device, token } = await setup();
    const key = { "idempotency-key": "run-7-publish-foo" };
    const first = await ci(token, { operation, challenge: web, wait: 0 }, key);
    expect(first.status).toBe(408);
    const retry = await ci(token, { operation, challenge: web, wait: 0 }, key);
    expect(retry.body).toMatchObject({ error: "timeout", requestId: first.body.requestId });
    const other = await ci(token, { operation: { ...operation, tag: "next" }, challenge: web, wait: 0 }, key);
    expect(other).toMatchObject({
      status: 409,
      body: { error: "conflict", message: expect.stringMatching(/another registry operation or challenge/) },
    });
    expect((await ci(token, { wait: 0 }, key)).status).toBe(409);
    expect((await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body).toHaveLength(1);
  });
});

describe("DELETE /api/v1/requests/:requestId", () => {
  it("withdraws a pending request: 204, the waiting call gets 410, the phone is told, History says so", async () => {
    const { device, subscription, account, token } = await setup();
    const waiting = ci(token, { operation, challenge: web, wait: 30 });
    const approval = await device.pendingApproval();
    const withdrawn = await withdraw(token, approval.id);
    expect(withdrawn.status).toBe(204);
    expect(withdrawn.text).toBe("");
    expect(await waiting).toMatchObject({
      status: 410,
      body: { error: "expired", requestId: approval.id, message: expect.stringMatching(/withdrawn by CI/) },
    });
    await suite.expectAnsweredPush(subscription.endpoint, {
      requestId: approval.id,
      status: "expired",
      answeredBy: "",
    });
    expect((await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body).toEqual([]);
    expect((await answer(device, approval.id, { decision: "approve", opened: true })).status).toBe(410);
    expect((await history(device, account.id))[0]).toMatchObject({ outcome: "expired", message: "Withdrawn by CI" });
    // Withdrawing an expired request again changes nothing.
    expect((await withdraw(token, approval.id)).status).toBe(204);
  });

  it("404 for an unknown request or another link's, 401 without the token, 409 once answered", async () => {
    const { device, account, token } = await setup();
    const waiting = ci(token, { wait: 30 });
    const approval = await device.pendingApproval();
    const other = await device.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, { name: "Other" });
    expect((await withdraw(other.body.token, approval.id)).status).toBe(404);
    expect((await withdraw(token, "no-such-request")).status).toBe(404);
    const unauthenticated = await send(`${suite.app.url}/api/v1/requests/${approval.id}`, { method: "DELETE" });
    expect(unauthenticated.status).toBe(401);
    await answer(device, approval.id, { decision: "deny" });
    await waiting;
    expect(await withdraw(token, approval.id)).toMatchObject({
      status: 409,
      body: { error: "conflict", message: expect.stringMatching(/already denied/) },
    });
  });
});
