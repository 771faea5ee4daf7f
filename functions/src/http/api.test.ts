import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type AccountView,
  type ApprovalView,
  type CreatedLink,
  type DeviceView,
  generateTimedCodes,
  type InviteView,
  type LinkView,
  type OtpResponse,
  type PushPayload,
} from "@countersign/shared";
import { CompactEncrypt, compactDecrypt, exportJWK, generateKeyPair } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../config.js";
import { WIPE_CHECKPOINT_DELAY_MS } from "../store/SqliteStore.js";
import { appSuite } from "../testing/appSuite.js";
import { expectDeliveredOtp, expectDeliveredText } from "../testing/deliveredCode.js";
import { send, TestDevice } from "../testing/TestDevice.js";

const TOTP = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 } as const;

const suite = appSuite();
const start = (config: Partial<Config> = {}) => suite.start({ config });

/** A paired device with push, an account it holds and a link: what a maintainer has after setup. */
async function setup(name = "Pixel") {
  const device = await TestDevice.pair(suite.app.url, { setupCode: suite.app.setupCode }, name);
  const subscription = suite.push.createSubscription();
  expect((await device.call("PUT", "/api/v1/devices/me/push", subscription)).status).toBe(200);
  const { account, link, token, url } = await device.addAccountWithLink("GitHub");
  return { device, subscription, account, link, token, url };
}

function ci(token: string, body?: unknown, headers: Record<string, string> = {}) {
  return send(`${suite.app.url}/api/v1/otp`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

async function approve(device: TestDevice, requestId: string) {
  const codes = await generateTimedCodes(TOTP, Date.now());
  const answer = await device.call("POST", `/api/v1/approvals/${requestId}/answer`, { decision: "approve", codes });
  return { answer, codes };
}

describe("basics", () => {
  beforeEach(() => start());

  it("answers health, the VAPID key and unknown endpoints, with security headers", async () => {
    const health = await send<{ status: string; store: string; version: string }>(`${suite.app.url}/api/v1/health`);
    expect(health.body).toMatchObject({ status: "ok", store: "sqlite", version: "test" });
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    expect(health.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(health.headers.get("cache-control")).toBe("no-store");
    expect(health.headers.get("x-powered-by")).toBeNull();
    // Data, never a document: what protects any response and framing, not a page's headers.
    expect(health.headers.get("x-frame-options")).toBe("DENY");
    expect(health.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(health.headers.get("referrer-policy")).toBe("no-referrer");
    expect(health.headers.get("permissions-policy")).toBeNull();
    expect(health.headers.get("cross-origin-opener-policy")).toBeNull();
    const vapid = await send<{ publicKey: string }>(`${suite.app.url}/api/v1/push/vapid-public-key`);
    expect(vapid.body.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    const missing = await send(`${suite.app.url}/api/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: "not_found" });
  });
});

describe("pairing", () => {
  beforeEach(() => start());

  it("pairs the first device with the setup code, once", async () => {
    const { response: refused } = await TestDevice.tryPair(suite.app.url, { setupCode: "WRONG-CODE" }, "X");
    expect(refused.status).toBe(401);
    const device = await TestDevice.pair(suite.app.url, { setupCode: "test-setu-pcod-e234" }, "Pixel");
    const me = await device.call<DeviceView>("GET", "/api/v1/devices/me");
    expect(me.body).toMatchObject({ id: device.id, name: "Pixel", hasPush: false, current: true });
    const { response: reused } = await TestDevice.tryPair(suite.app.url, { setupCode: suite.app.setupCode }, "Y");
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ error: "unauthorized" });
    expect((await device.call<DeviceView[]>("GET", "/api/v1/devices")).body).toHaveLength(1);
  });

  it("refuses a pairing not signed by the key it registers, and unknown fields", async () => {
    const device = await TestDevice.create(suite.app.url);
    const other = await TestDevice.create(suite.app.url);
    const mismatched = await device.pairRaw({
      setupCode: suite.app.setupCode,
      name: "X",
      publicKey: other.publicKeyJwk,
    });
    expect(mismatched.status).toBe(401);
    const unsigned = await send(`${suite.app.url}/api/v1/devices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ setupCode: suite.app.setupCode, name: "X", publicKey: device.publicKeyJwk }),
    });
    expect(unsigned.status).toBe(401);
    const extra = await device.pairRaw({
      setupCode: suite.app.setupCode,
      name: "X",
      publicKey: device.publicKeyJwk,
      admin: true,
    });
    expect(extra.status).toBe(400);
    expect(extra.body).toMatchObject({ error: "bad_request" });
    // The setup code survived all of that.
    await TestDevice.pair(suite.app.url, { setupCode: suite.app.setupCode });
  });

  it("pairs further devices by single-use invite", async () => {
    const first = await TestDevice.pair(suite.app.url, { setupCode: suite.app.setupCode }, "Pixel");
    const invite = await first.call<InviteView>("POST", "/api/v1/invites");
    expect(invite.status).toBe(201);
    expect(invite.body.url).toBe(`${suite.app.url}/pair#invite=${invite.body.inviteCode}`);
    expect(invite.body.expiresAt).toBeGreaterThan(Date.now());
    const second = await TestDevice.pair(suite.app.url, { inviteCode: invite.body.inviteCode }, "iPad");
    const { response: reused } = await TestDevice.tryPair(suite.app.url, { inviteCode: invite.body.inviteCode }, "Z");
    expect(reused.status).toBe(401);
    const devices = await second.call<DeviceView[]>("GET", "/api/v1/devices");
    expect(devices.body.map((d) => [d.name, d.current])).toEqual([
      ["Pixel", false],
      ["iPad", true],
    ]);
  });
});

describe("signed device calls", () => {
  let device: TestDevice;
  beforeEach(async () => {
    await start();
    device = await TestDevice.pair(suite.app.url, { setupCode: suite.app.setupCode }, "Pixel");
  });

  it("refuses unsigned, badly signed, stale and replayed calls, and changes nothing", async () => {
    const unsigned = await send(`${suite.app.url}/api/v1/devices/me`);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toMatchObject({ error: "unauthorized" });

    const stale = await device.call("PATCH", "/api/v1/devices/me", { name: "Stale" }, { now: Date.now() - 6 * 60_000 });
    expect(stale.status).toBe(401);
    const future = await device.call(
      "PATCH",
      "/api/v1/devices/me",
      { name: "Future" },
      { now: Date.now() + 6 * 60_000 },
    );
    expect(future.status).toBe(401);

    // Signed over one body, sent with another.
    const signed = await device.prepare("PATCH", "/api/v1/devices/me", { name: "Signed" });
    const tampered = await device.dispatch({ ...signed, body: '{"name":"Sent"}' });
    expect(tampered.status).toBe(401);
    const stranger = await TestDevice.create(suite.app.url);
    const forged = await stranger.call("PATCH", "/api/v1/devices/me", { name: "Forged" }, { deviceId: device.id });
    expect(forged.status).toBe(401);

    const unknown = await stranger.call("GET", "/api/v1/devices/me", undefined, { deviceId: "no-such-device" });
    expect(unknown.status).toBe(401);

    expect((await device.call<DeviceView>("GET", "/api/v1/devices/me")).body.name).toBe("Pixel");
  });

  it("refuses a replayed call", async () => {
    const once = await device.prepare("PATCH", "/api/v1/devices/me", { name: "Once" });
    expect((await device.dispatch(once)).status).toBe(200);
    await device.call("PATCH", "/api/v1/devices/me", { name: "Later" });
    const replay = await device.dispatch(once);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ message: expect.stringMatching(/replay/) });
    expect((await device.call<DeviceView>("GET", "/api/v1/devices/me")).body.name).toBe("Later");
  });

  it("signs the query string too", async () => {
    const headers = await device.call("GET", "/api/v1/accounts/none/history?limit=5");
    expect(headers.status).toBe(404);
    const signed = await device.prepare("GET", "/api/v1/approvals");
    expect((await device.dispatch({ ...signed, url: `${suite.app.url}/api/v1/approvals?x=1` })).status).toBe(401);
  });

  it("renames, lists and removes devices; a removed device is locked out", async () => {
    const renamed = await device.call<DeviceView>("PATCH", "/api/v1/devices/me", { name: "My phone" });
    expect(renamed.body.name).toBe("My phone");
    expect((await device.call("PATCH", "/api/v1/devices/me", { name: "" })).status).toBe(400);
    const invite = await device.call<InviteView>("POST", "/api/v1/invites");
    const tablet = await TestDevice.pair(suite.app.url, { inviteCode: invite.body.inviteCode }, "Tablet");
    expect((await device.call("DELETE", `/api/v1/devices/${tablet.id}`)).status).toBe(204);
    expect((await tablet.call("GET", "/api/v1/devices/me")).status).toBe(401);
    expect((await device.call("DELETE", "/api/v1/devices/nope")).status).toBe(404);
    expect((await device.call<DeviceView[]>("GET", "/api/v1/devices")).body).toHaveLength(1);
  });

  it("checks push endpoints before accepting them", async () => {
    const keys = suite.push.createSubscription().keys;
    for (const endpoint of [
      "http://fcm.googleapis.com/fcm/send/x",
      "https://10.0.0.1/push",
      "https://localhost/push",
      "https://evil.example.com/push",
      "https://fcm.googleapis.com:8443/x",
    ]) {
      const refused = await device.call("PUT", "/api/v1/devices/me/push", { endpoint, keys });
      expect(refused.status, endpoint).toBe(400);
    }
    const fcm = await device.call<DeviceView>("PUT", "/api/v1/devices/me/push", {
      endpoint: "https://fcm.googleapis.com/fcm/send/abc",
      keys,
    });
    expect(fcm.body.hasPush).toBe(true);
    expect((await device.call<DeviceView>("DELETE", "/api/v1/devices/me/push")).body.hasPush).toBe(false);
    const local = await device.call<DeviceView>("PUT", "/api/v1/devices/me/push", suite.push.createSubscription());
    expect(local.body.hasPush).toBe(true);
  });
});

describe("accounts, links and history", () => {
  beforeEach(() => start());

  it("manages accounts and links; the token is shown once and only its hash is kept", async () => {
    const { device, account, link, token, url } = await setup();
    expect(token).toMatch(/^cs_[A-Za-z0-9_-]{32}$/);
    expect(url).toBe(`${suite.app.url}/api/v1/otp/${token}`);
    expect(link).toMatchObject({ name: "GitHub", paused: false, revokedAt: null, lastUsedAt: null });
    expect(link.tokenHint).toBe(`${token.slice(0, 7)}…`);
    expect(account.deviceIds).toEqual([device.id]);

    const links = await device.call<LinkView[]>("GET", `/api/v1/accounts/${account.id}/links`);
    expect(JSON.stringify(links.body)).not.toContain(token);

    const renamed = await device.call<AccountView>("PATCH", `/api/v1/accounts/${account.id}`, {
      label: "alice@example.com",
    });
    expect(renamed.body.label).toBe("alice@example.com");
    expect((await device.call<AccountView[]>("GET", "/api/v1/accounts")).body).toHaveLength(1);
    expect((await device.call("PATCH", `/api/v1/accounts/${account.id}`, { secret: "JBSWY3DPEHPK3PXP" })).status).toBe(
      400,
    );

    const paused = await device.call<LinkView>("PATCH", `/api/v1/links/${link.id}`, { paused: true, name: "Release" });
    expect(paused.body).toMatchObject({ paused: true, name: "Release" });
    expect((await ci(token)).status).toBe(403);
    await device.call("PATCH", `/api/v1/links/${link.id}`, { paused: false });

    const revoked = await device.call<LinkView>("DELETE", `/api/v1/links/${link.id}`);
    expect(revoked.body.revokedAt).toEqual(expect.any(Number));
    const refused = await ci(token);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: "unauthorized" });
    expect((await device.call("PATCH", `/api/v1/links/${link.id}`, { paused: false })).status).toBe(409);
    expect((await device.call("PATCH", "/api/v1/links/nope", { paused: false })).status).toBe(404);
  });

  it("a second device with the same account joins it; deleting lets go, the last one deletes", async () => {
    const { device, account, token } = await setup();
    const invite = await device.call<InviteView>("POST", "/api/v1/invites");
    const tablet = await TestDevice.pair(suite.app.url, { inviteCode: invite.body.inviteCode }, "Tablet");
    const joined = await tablet.call<AccountView>("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" });
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ id: account.id, deviceIds: [device.id, tablet.id] });

    const letGo = await tablet.call<{ deleted: boolean }>("DELETE", `/api/v1/accounts/${account.id}`);
    expect(letGo.body.deleted).toBe(false);
    expect((await ci(token, { wait: 0 })).status).toBe(408);
    const gone = await device.call<{ deleted: boolean }>("DELETE", `/api/v1/accounts/${account.id}`);
    expect(gone.body.deleted).toBe(true);
    expect((await ci(token)).status).toBe(401);
    expect((await device.call("GET", `/api/v1/accounts/${account.id}/history`)).status).toBe(404);
  });

  it("records every request in the account's history", async () => {
    const { device, account, token } = await setup();
    const waiting = ci(
      token,
      { package: { name: "foo", version: "1.2.3" }, context: { repository: "owner/repo" } },
      {
        "user-agent": "countersign-test",
      },
    );
    const approval = await device.pendingApproval();
    await approve(device, approval.id);
    expect((await waiting).status).toBe(200);
    const history = await device.call<Array<Record<string, unknown>>>(
      "GET",
      `/api/v1/accounts/${account.id}/history?limit=10`,
    );
    expect(history.body).toHaveLength(1);
    expect(history.body[0]).toMatchObject({
      requestId: approval.id,
      linkName: "GitHub",
      package: { name: "foo", version: "1.2.3" },
      claimed: { repository: "owner/repo" },
      requester: { ip: "127.0.0.1", userAgent: "countersign-test" },
      outcome: "delivered",
      answeredBy: { deviceId: device.id, deviceName: "Pixel" },
    });
    const links = await device.call<LinkView[]>("GET", `/api/v1/accounts/${account.id}/links`);
    expect(links.body[0]?.lastUsedAt).toEqual(expect.any(Number));
    expect((await device.call("GET", `/api/v1/accounts/${account.id}/history?bogus=1`)).status).toBe(400);
  });
});

describe("CI requests", () => {
  beforeEach(() => start());

  it("notifies the device, which approves; CI gets the code valid now as text", async () => {
    const { device, subscription, token } = await setup();
    const waiting = ci(token, { package: { name: "foo", version: "1.2.3" }, context: { repository: "owner/repo" } });
    const message = await suite.push.waitForMessage((m) => m.endpoint === subscription.endpoint);
    const payload = message.payload as PushPayload & { type: "approval" };
    expect(payload).toMatchObject({
      v: 1,
      type: "approval",
      title: "Publish foo@1.2.3 from owner/repo?",
      body: 'npm: alice · CI link "GitHub" · claimed by CI',
      unverified: true,
    });
    expect(message.urgency).toBe("high");
    expect(message.ttl).toBe(suite.app.deps.config.requestTtlSeconds);

    const approval = await device.call<ApprovalView>("GET", `/api/v1/approvals/${payload.requestId}`);
    expect(approval.body).toMatchObject({
      status: "pending",
      account: { issuer: "npm", label: "alice" },
      link: { name: "GitHub" },
      package: { name: "foo", version: "1.2.3" },
      claimed: { repository: "owner/repo" },
      verified: null,
      publicKey: null,
    });
    const { answer, codes } = await approve(device, payload.requestId);
    expect(answer.body).toMatchObject({ status: "approved", answeredBy: { deviceId: device.id, deviceName: "Pixel" } });
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expectDeliveredText(response.text, codes);
    expect((await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body).toEqual([]);
  });

  it("answers JSON with Accept: application/json, and takes the URL form (POST and GET)", async () => {
    const { device, token, url } = await setup();
    const json = send<OtpResponse>(url, { method: "POST", headers: { accept: "application/json" } });
    const first = await device.pendingApproval();
    const { codes } = await approve(device, first.id);
    const answered = await json;
    expect(answered.body).toMatchObject({ requestId: first.id, approvedBy: "Pixel" });
    expect(answered.body.validUntil).toBe(expectDeliveredOtp(answered.body.otp, codes).notAfter);
    expect(answered.body.approvedAt).toEqual(expect.any(Number));

    const viaGet = send(`${url}?wait=30`);
    const second = await device.pendingApproval();
    const again = await approve(device, second.id);
    expectDeliveredText((await viaGet).text, again.codes);
    expect(suite.app.logs.join("\n")).not.toContain(token);
    expect(suite.app.logs.join("\n")).toContain("/api/v1/otp/cs_…redacted");
  });

  it("a second answer gets 409 naming who answered; the other device is told to close its notification", async () => {
    const { device, subscription, account, token } = await setup();
    const invite = await device.call<InviteView>("POST", "/api/v1/invites");
    const tablet = await TestDevice.pair(suite.app.url, { inviteCode: invite.body.inviteCode }, "Tablet");
    const tabletPush = suite.push.createSubscription();
    await tablet.call("PUT", "/api/v1/devices/me/push", tabletPush);
    await tablet.call("POST", "/api/v1/accounts", { issuer: account.issuer, label: account.label });

    const waiting = ci(token);
    const approval = await device.pendingApproval();
    await suite.push.waitForMessage((m) => m.endpoint === tabletPush.endpoint);
    await approve(device, approval.id);
    const late = await tablet.call("POST", `/api/v1/approvals/${approval.id}/answer`, { decision: "deny" });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({
      error: "already_answered",
      answeredBy: { deviceId: device.id, deviceName: "Pixel" },
    });
    await suite.expectAnsweredPush(tabletPush.endpoint, {
      requestId: approval.id,
      status: "approved",
      answeredBy: "Pixel",
    });
    // Pixel heard of the Tablet's pairing, then of the request; nothing of the answer it gave itself.
    expect(
      suite.push.messages
        .filter((m) => m.endpoint === subscription.endpoint)
        .map((m) => (m.payload as PushPayload).type),
    ).toEqual(["security", "approval"]);
    expect((await waiting).status).toBe(200);
  });

  it("denied: 403; deny and pause: the link stops notifying until resumed", async () => {
    const { device, token, link } = await setup();
    const waiting = ci(token);
    const approval = await device.pendingApproval();
    await device.call("POST", `/api/v1/approvals/${approval.id}/answer`, { decision: "deny", pauseLink: true });
    const denied = await waiting;
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: "denied", requestId: approval.id });
    const paused = await ci(token);
    expect(paused.status).toBe(403);
    expect(paused.body).toMatchObject({ error: "denied", message: expect.stringMatching(/paused/) });
    const links = await device.call<LinkView[]>("GET", `/api/v1/accounts/${link.accountId}/links`);
    expect(links.body[0]?.paused).toBe(true);
  });

  it("408 with the request id when nobody answers in time; resuming gets the answer", async () => {
    const { device, token } = await setup();
    const first = await ci(token, { wait: 1 });
    expect(first.status).toBe(408);
    expect(first.body).toMatchObject({ error: "timeout", requestId: expect.any(String) });
    const requestId = (first.body as { requestId: string }).requestId;

    const resumeUrl = `${suite.app.url}/api/v1/requests/${requestId}?wait=30`;
    const resumed = send(resumeUrl, { headers: { authorization: `Bearer ${token}` } });
    // Not synchronisation: the code reaches the resume whether it began waiting before the answer or
    // after it (an answer committed first is seen at once); the pause makes the wake-up path the usual one.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { codes } = await approve(device, requestId);
    expectDeliveredText((await resumed).text, codes);
    // Delivered once: the code is gone.
    const afterwards = await send(resumeUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(afterwards.status).toBe(410);
  });

  it("resuming needs the link's own token", async () => {
    const { device, token, account } = await setup();
    const other = await device.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, { name: "Other" });
    const first = await ci(token, { wait: 0 });
    const requestId = (first.body as { requestId: string }).requestId;
    const path = `${suite.app.url}/api/v1/requests/${requestId}?wait=0`;
    expect((await send(path)).status).toBe(401);
    expect((await send(path, { headers: { authorization: `Bearer ${other.body.token}` } })).status).toBe(404);
    expect((await send(path, { headers: { authorization: "Bearer cs_notarealtoken" } })).status).toBe(401);
    expect((await send(path, { headers: { authorization: `Bearer ${token}` } })).status).toBe(408);
    expect(
      (
        await send(`${suite.app.url}/api/v1/requests/${requestId}?wait=x`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status,
    ).toBe(400);
  });

  it("a retry with the same Idempotency-Key joins the request: one notification", async () => {
    const { subscription, token } = await setup();
    const headers = { "idempotency-key": "run-42-attempt-1" };
    const [a, b] = await Promise.all([ci(token, { wait: 0 }, headers), ci(token, { wait: 0 }, headers)]);
    expect(a.status).toBe(408);
    const id = (a.body as { requestId: string }).requestId;
    expect(b.body).toMatchObject({ requestId: id });
    const c = await ci(token, { wait: 0 }, headers);
    expect(c.body).toMatchObject({ requestId: id });
    // Settle the request (CI withdraws it) and wait for the push saying so: a late second
    // notification would have reached the push service by then. Count what the push service accepted.
    const withdrawn = await send(`${suite.app.url}/api/v1/requests/${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(withdrawn.status).toBe(204);
    const mine = (m: { endpoint: string; payload: unknown }, type: string) =>
      m.endpoint === subscription.endpoint && (m.payload as { type?: string; requestId?: string })?.type === type;
    await suite.push.waitForMessage((m) => mine(m, "answered"));
    expect(suite.push.messages.filter((m) => mine(m, "approval"))).toHaveLength(1);
    expect(suite.push.messages.filter((m) => mine(m, "approval") || mine(m, "answered"))).toHaveLength(2);
    expect((await ci(token, { wait: 0 }, { "idempotency-key": "bad key with spaces" })).status).toBe(400);
  });

  it("relays the device's JWE untouched when CI sent a public key", async () => {
    const { device, token } = await setup();
    const { publicKey, privateKey } = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    const jwk = await exportJWK(publicKey);
    const waiting = ci(token, { publicKey: jwk }, { accept: "application/json" });
    const approval = await device.pendingApproval();
    expect(approval.publicKey).toMatchObject({ kty: "EC", crv: "P-256", x: jwk.x });
    const codes = await generateTimedCodes(TOTP, Date.now());
    const plain = await device.call("POST", `/api/v1/approvals/${approval.id}/answer`, { decision: "approve", codes });
    expect(plain.status).toBe(400);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ codes })))
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM" })
      .encrypt(publicKey);
    expect(
      (await device.call("POST", `/api/v1/approvals/${approval.id}/answer`, { decision: "approve", jwe })).status,
    ).toBe(200);
    const response = await waiting;
    expect(response.body).toMatchObject({ requestId: approval.id, jwe });
    expect(response.body).not.toHaveProperty("otp");
    const { plaintext } = await compactDecrypt(jwe, privateKey);
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual({ codes });

    const textWaiting = ci(token, { publicKey: jwk });
    const second = await device.pendingApproval();
    await device.call("POST", `/api/v1/approvals/${second.id}/answer`, { decision: "approve", jwe });
    expect((await textWaiting).text).toBe(`${jwe}\n`);
  });

  it("refuses bad input: 400 for invalid JSON or unknown fields, 413 for a large body", async () => {
    const { token } = await setup();
    const badJson = await send(`${suite.app.url}/api/v1/otp`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{nope",
    });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ error: "bad_request", message: expect.any(String) });
    const unknown = await ci(token, { package: { name: "foo" }, extra: 1 });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { message: string }).message).toMatch(/extra/);
    const wrongType = await ci(token, { wait: "soon" });
    expect(wrongType.status).toBe(400);
    const huge = await ci(token, { context: { repository: "x".repeat(40_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error: "payload_too_large" });
    expect(JSON.stringify(huge.body)).not.toMatch(/at \w+ \(/);
    const noToken = await send(`${suite.app.url}/api/v1/otp`, { method: "POST" });
    expect(noToken.status).toBe(401);
    const unknownLink = await ci(`cs_${"A".repeat(32)}`);
    expect(unknownLink.status).toBe(401);
  });

  it("expires unanswered requests: 410, and the device can no longer answer", async () => {
    await suite.app.close();
    await start({ requestTtlSeconds: 1 });
    const { device, token } = await setup();
    const waiting = ci(token, { wait: 30 });
    const approval = await device.pendingApproval();
    const expired = await waiting;
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: "expired", requestId: approval.id });
    const late = await approve(device, approval.id);
    expect(late.answer.status).toBe(410);
  });

  it("limits pending requests per link with 429 and Retry-After", async () => {
    await suite.app.close();
    await start({ maxPendingPerLink: 2 });
    const { token } = await setup();
    expect((await ci(token, { wait: 0 })).status).toBe(408);
    expect((await ci(token, { wait: 0 })).status).toBe(408);
    const limited = await ci(token, { wait: 0 });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: "rate_limited" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("limits requests per link per hour and calls per address", async () => {
    await suite.app.close();
    await start({ maxRequestsPerLinkPerHour: 1, maxCallsPerAddressPerMinute: 4 });
    const { device, token } = await setup();
    const waiting = ci(token);
    const approval = await device.pendingApproval();
    await device.call("POST", `/api/v1/approvals/${approval.id}/answer`, { decision: "deny" });
    await waiting;
    const hourly = await ci(token, { wait: 0 });
    expect(hourly.status).toBe(429);
    expect(Number(hourly.headers.get("retry-after"))).toBeGreaterThan(3000);
    await ci(token, { wait: 0 });
    const flooded = await ci(token, { wait: 0 });
    expect(flooded.status).toBe(429);
    expect(flooded.body).toMatchObject({ message: expect.stringMatching(/address/) });
  });

  it("drops a subscription the push service says is gone, without failing CI", async () => {
    const { device, subscription, token } = await setup();
    suite.push.expire(subscription.endpoint);
    const first = await ci(token, { wait: 0 });
    expect(first.status).toBe(408);
    expect((await device.call<DeviceView>("GET", "/api/v1/devices/me")).body.hasPush).toBe(false);
  });

  it("answers waiting CI calls 408 with their request id when the server shuts down", async () => {
    const { device, token } = await setup();
    const waiting = ci(token, { wait: 60 });
    // The server's own signal that the call is in: its request is waiting for an answer.
    await device.pendingApproval();
    suite.app.shutdown.abort();
    const response = await waiting;
    expect(response.status).toBe(408);
    expect(response.body).toMatchObject({ error: "timeout", requestId: expect.any(String) });
  });

  it("leaves no link token and no delivered code in the database files", async () => {
    const { device, token } = await setup();
    const waiting = ci(token);
    const approval = await device.pendingApproval();
    const { codes } = await approve(device, approval.id);
    expectDeliveredText((await waiting).text, codes);
    expect(readdirSync(suite.app.dataDir)).toContain("countersign.db");
    const leftovers = () =>
      readdirSync(suite.app.dataDir).flatMap((file) => {
        const bytes = readFileSync(join(suite.app.dataDir, file));
        const secrets = [token, suite.app.setupCode, ...codes.map((code) => `"otp":"${code.otp}"`)];
        return secrets.filter((secret) => bytes.includes(secret)).map((secret) => `${file}: ${secret}`);
      });
    // The wipe's checkpoint is due WIPE_CHECKPOINT_DELAY_MS after the delivery; allow a busy machine's timer lag.
    await expect.poll(leftovers, { timeout: 2000, interval: WIPE_CHECKPOINT_DELAY_MS }).toEqual([]);
  });
});

describe("methods without a body on the CI routes", () => {
  beforeEach(() => start());

  it("refuses HEAD, OPTIONS and undocumented methods with 405 and Allow, creating nothing and ringing nobody", async () => {
    const { device, token, url } = await setup();
    const routes: Array<{ path: string; allow: string; auth: boolean }> = [
      { path: "/api/v1/otp", allow: "POST", auth: true },
      { path: `/api/v1/otp/${token}`, allow: "GET, POST", auth: false },
      { path: "/api/v1/requests/0123456789abcdef0123456789abcdef", allow: "GET, DELETE", auth: true },
    ];
    expect(url).toBe(`${suite.app.deps.config.publicUrl}/api/v1/otp/${token}`);
    const pushesBefore = suite.push.messages.length;
    for (const route of routes) {
      for (const method of ["HEAD", "OPTIONS", "PATCH", "PUT", "PROPFIND"]) {
        const response = await fetch(`${suite.app.url}${route.path}?wait=1`, {
          method,
          headers: route.auth ? { authorization: `Bearer ${token}` } : {},
        });
        const text = await response.text();
        expect({ method, path: route.path, status: response.status }).toEqual({
          method,
          path: route.path,
          status: 405,
        });
        expect(response.headers.get("allow")).toBe(route.allow);
        if (method !== "HEAD") expect(JSON.parse(text)).toMatchObject({ error: "method_not_allowed" });
      }
    }
    // Every call above has been answered: whatever it created exists by now, pushes aside, which are
    // posted after the answer. The pause is an absence check for those, not synchronisation.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body).toEqual([]);
    expect(suite.push.messages.length).toBe(pushesBefore);
    expect(suite.app.logs.filter((line) => line.includes("request created"))).toEqual([]);
  });

  it("marks a request made by a plain GET of the link on the approval and in the notification", async () => {
    const { device, subscription, token } = await setup();
    const waiting = send(`${suite.app.url}/api/v1/otp/${token}?wait=5`);
    const message = await suite.push.waitForMessage((m) => m.endpoint === subscription.endpoint);
    const payload = message.payload as PushPayload & { type: "approval" };
    expect(payload.body).toContain("Asked by a plain GET of the link");
    const approval = await device.pendingApproval();
    expect(approval.requester.method).toBe("GET");
    await device.call("POST", `/api/v1/approvals/${approval.id}/answer`, { decision: "deny" });
    expect((await waiting).status).toBe(403);

    const posted = ci(token);
    const next = await suite.push.waitForMessage(
      (m) => m.endpoint === subscription.endpoint && (m.payload as { requestId?: string }).requestId !== approval.id,
    );
    expect((next.payload as { body: string }).body).not.toContain("plain GET");
    expect((await device.pendingApproval()).requester.method).toBe("POST");
    const second = await device.pendingApproval();
    await device.call("POST", `/api/v1/approvals/${second.id}/answer`, { decision: "deny" });
    await posted;
  });
});
