import { generateDeviceKey, generateTimedCodes, signRequest } from "@countersign/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { npmPublish } from "../../../e2e/helpers/registryOperations.js";
import type { Deps } from "../deps.js";
import type { DeviceRecord } from "../store/Store.js";
import { createDomainFixture, type DomainFixture, expectAppError } from "../testing/domainDeps.js";
import { createAccount } from "./accounts.js";
import { answerApproval } from "./approvals.js";
import { authenticateDevice } from "./authenticateDevice.js";
import { createInvite, ensureSetupCode, pairDevice } from "./devices.js";
import { createLink } from "./links.js";
import { listHistory } from "./listHistory.js";
import { awaitOtp, requestOtp, waitSeconds, withdrawOtp } from "./requestOtp.js";
import { sweepExpired } from "./sweepExpired.js";
import { USAGE_RESOLUTION_MS } from "./usage.js";

const TOTP = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 } as const;
/** 10 s into a 30-s step. */
const T0 = Date.UTC(2026, 10, 22, 6, 0, 10);

let fixture: DomainFixture;
let deps: Deps;
let now: number;

beforeEach(() => {
  now = T0;
  fixture = createDomainFixture(() => now);
  deps = fixture.deps;
});
afterEach(() => fixture.dispose());

/** The payloads pushed so far, in order. */
const sent = () => fixture.sent.map((push) => push.payload);
const expectError = expectAppError;

async function seed() {
  const device: DeviceRecord = {
    id: "dev1",
    name: "Pixel",
    publicKey: { kty: "EC", crv: "P-256", x: "x".repeat(43), y: "y".repeat(43) },
    createdAt: now,
    lastSeenAt: null,
    push: { endpoint: "https://fcm.googleapis.com/x", keys: { p256dh: "p", auth: "a" } },
  };
  await deps.store.createDevice(device);
  const { account } = await createAccount(deps, device, { issuer: "npm", label: "alice" });
  const { token, link } = await createLink(deps, device, account.id, "CI");
  return { device, account, token, link };
}

const call = (token: string) => ({ token, body: {}, idempotencyKey: null, ip: "203.0.113.9", userAgent: null });

describe("delivering the code", () => {
  it("delivers the code valid at delivery time: the next step's when the first ran out", async () => {
    const { device, token } = await seed();
    const request = await requestOtp(deps, call(token));
    const codes = await generateTimedCodes(TOTP, now);
    await answerApproval(deps, device, request.id, { decision: "approve", codes });
    now += 25_000; // into the next step
    const delivered = await awaitOtp(deps, request, 0);
    expect(delivered).toMatchObject({ otp: codes[1]?.otp, validUntil: codes[1]?.notAfter, approvedBy: "Pixel" });
  });

  it("treats an approval whose codes all ran out as expired, and wipes it", async () => {
    const { device, token, account } = await seed();
    const request = await requestOtp(deps, call(token));
    await answerApproval(deps, device, request.id, { decision: "approve", codes: await generateTimedCodes(TOTP, now) });
    now += 60_000;
    const error = await expectError(awaitOtp(deps, request, 0), "expired");
    expect(error.message).toMatch(/no longer valid/);
    expect((await deps.store.getRequest(request.id))?.answer).toBeNull();
    const [entry] = await listHistory(deps, device, account.id);
    expect(entry).toMatchObject({ outcome: "expired", message: expect.stringMatching(/ran out/) });
  });

  it("clamps the wait to the server's maximum", () => {
    expect(waitSeconds({ defaultWaitSeconds: 120, maxWaitSeconds: 300 })).toBe(120);
    expect(waitSeconds({ defaultWaitSeconds: 120, maxWaitSeconds: 300 }, 5000)).toBe(300);
    expect(waitSeconds({ defaultWaitSeconds: 120, maxWaitSeconds: 55 })).toBe(55);
    expect(waitSeconds({ defaultWaitSeconds: 120, maxWaitSeconds: 300 }, 0)).toBe(0);
  });
});

describe("expiry", () => {
  it("expires an unanswered request after its TTL: CI gets 410, the device can no longer answer", async () => {
    const { device, token, account } = await seed();
    const request = await requestOtp(deps, call(token));
    now += deps.config.requestTtlSeconds * 1000;
    expect(await sweepExpired(deps)).toBe(1);
    await expectError(awaitOtp(deps, request, 0), "expired");
    await expectError(answerApproval(deps, device, request.id, { decision: "deny" }), "expired");
    expect((await listHistory(deps, device, account.id))[0]?.outcome).toBe("expired");
    expect(sent().at(-1)).toMatchObject({ type: "answered", requestId: request.id, status: "expired" });
  });
});

describe("the end of a wait", () => {
  it("a timer that fires a little before the request's time is up by the clock still ends in 410, not 408", async () => {
    const { token } = await seed();
    const request = await requestOtp(deps, call(token));
    now = request.expiresAt - 100;
    // The store's wait, with time passing as its timer says: the first timer fires 20 ms before its
    // time by the clock (as a timer set on the event loop's stale cached time does on a busy machine).
    const store = deps.store;
    const wait = store.waitForAnswer.bind(store);
    const waited: number[] = [];
    store.waitForAnswer = async (id, ms, signal) => {
      const found = await wait(id, 0, signal);
      waited.push(ms);
      now += waited.length === 1 ? ms - 20 : ms;
      return found;
    };
    await expectError(awaitOtp(deps, request, 30), "expired");
    expect(waited).toEqual([100, 21]);
  });

  it("a wait that ends well before the request's time is up is 'no answer yet' (408), resumable", async () => {
    const { token } = await seed();
    const request = await requestOtp(deps, call(token));
    now = request.expiresAt - 60_000;
    const error = await expectError(awaitOtp(deps, request, 0), "timeout");
    expect(error.requestId).toBe(request.id);
  });
});

describe("limits", () => {
  it("refuses a link's requests past its hourly limit until the oldest leaves the hour", async () => {
    deps.config.maxRequestsPerLinkPerHour = 2;
    const { device, token, account } = await seed();
    for (let i = 0; i < 2; i++) {
      const request = await requestOtp(deps, call(token));
      await answerApproval(deps, device, request.id, { decision: "deny" });
      now += 10 * 60_000;
    }
    const error = await expectError(requestOtp(deps, call(token)), "rate_limited");
    expect(error.retryAfterSeconds).toBe(40 * 60);
    expect((await listHistory(deps, device, account.id))[0]?.outcome).toBe("rate_limited");
    now += 40 * 60_000;
    await requestOtp(deps, call(token));
  });

  it("refuses more pending requests than allowed per link, until one expires", async () => {
    deps.config.maxPendingPerLink = 1;
    const { token } = await seed();
    const first = await requestOtp(deps, call(token));
    now += 60_000;
    const error = await expectError(requestOtp(deps, call(token)), "rate_limited");
    expect(error.retryAfterSeconds).toBe((first.expiresAt - now) / 1000);
    now = first.expiresAt;
    await requestOtp(deps, call(token));
  });

  it("an idempotent retry joins the request even when the link is at its pending limit, with no new push", async () => {
    deps.config.maxPendingPerLink = 1;
    const { token } = await seed();
    const first = await requestOtp(deps, { ...call(token), idempotencyKey: "k" });
    const pushes = sent().length;
    const again = await requestOtp(deps, { ...call(token), idempotencyKey: "k" });
    expect(again.id).toBe(first.id);
    expect(sent().length).toBe(pushes);
  });
});

describe("device signatures", () => {
  /** A new key's pairing with a setup or invite code: POST /api/v1/devices signed by it now, and its parsed body. */
  async function signedPairing(code: { setupCode: string | null } | { inviteCode: string }, name: string) {
    const key = await generateDeviceKey();
    const body = JSON.stringify({ ...code, name, publicKey: key.publicKeyJwk });
    const headers = await signRequest({
      privateKey: key.privateKey,
      method: "POST",
      path: "/api/v1/devices",
      body,
      now,
    });
    const request = { method: "POST", path: "/api/v1/devices", headers, body: new TextEncoder().encode(body) };
    return { key, request, body: JSON.parse(body) };
  }

  async function signedDevice() {
    const setupCode = await ensureSetupCode(deps);
    const { key, request, body } = await signedPairing({ setupCode }, "Pixel");
    const view = await pairDevice(deps, request, body);
    const sign = async (signedAt: number) => ({
      method: "GET",
      path: "/api/v1/devices/me",
      headers: await signRequest({
        privateKey: key.privateKey,
        deviceId: view.id,
        method: "GET",
        path: "/api/v1/devices/me",
        now: signedAt,
      }),
      body: new Uint8Array(0),
    });
    return { view, key, sign };
  }

  it("accepts a signature within five minutes of the server's clock, once", async () => {
    const { view, sign } = await signedDevice();
    const call = await sign(now - 4 * 60_000);
    expect((await authenticateDevice(deps, call)).id).toBe(view.id);
    await expectError(authenticateDevice(deps, call), "unauthorized");
    await expectError(authenticateDevice(deps, await sign(now - 5 * 60_000 - 1)), "unauthorized");
    await expectError(authenticateDevice(deps, await sign(now + 5 * 60_000 + 1)), "unauthorized");
    expect((await deps.store.getDevice(view.id))?.lastSeenAt).toBe(now);
  });

  it("records when a device was last seen and a link last used, to the minute", async () => {
    const { view, sign } = await signedDevice();
    const seenAt = now;
    await authenticateDevice(deps, await sign(now));
    expect((await deps.store.getDevice(view.id))?.lastSeenAt).toBe(seenAt);
    now += USAGE_RESOLUTION_MS - 1;
    await authenticateDevice(deps, await sign(now));
    expect((await deps.store.getDevice(view.id))?.lastSeenAt).toBe(seenAt);
    now += 1;
    await authenticateDevice(deps, await sign(now));
    expect((await deps.store.getDevice(view.id))?.lastSeenAt).toBe(now);

    const { token, link } = await seed();
    const usedAt = now;
    await requestOtp(deps, call(token));
    now += 30_000;
    await requestOtp(deps, call(token));
    expect((await deps.store.getLink(link.id))?.lastUsedAt).toBe(usedAt);
    now += 30_000;
    await requestOtp(deps, call(token));
    expect((await deps.store.getLink(link.id))?.lastUsedAt).toBe(now);
  });

  it("invites expire after 15 minutes", async () => {
    const { view } = await signedDevice();
    const device = (await deps.store.getDevice(view.id)) as DeviceRecord;
    const invite = await createInvite(deps, device);
    expect(invite.expiresAt).toBe(now + 15 * 60_000);
    now += 15 * 60_000;
    const { request, body } = await signedPairing({ inviteCode: invite.inviteCode }, "Tablet");
    await expectError(pairDevice(deps, request, body), "unauthorized");
  });
});

describe("setup code", () => {
  it("is generated at each start until a device pairs, preset by COUNTERSIGN_SETUP_CODE, and gone once one pairs", async () => {
    const generated = await ensureSetupCode(deps);
    expect(generated).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    expect(await ensureSetupCode(deps)).not.toBe(generated);
    expect(await ensureSetupCode(deps, "TEST-SETU-PCOD-E234")).toBe("TEST-SETU-PCOD-E234");
    await seed();
    expect(await ensureSetupCode(deps, "TEST-SETU-PCOD-E234")).toBeNull();
  });
});

describe("the registry relay's requests", () => {
  const publicKey = { kty: "EC", crv: "P-256", x: "x".repeat(43), y: "y".repeat(43) } as const;
  const operation = npmPublish("foo", "1.2.3", { tag: "latest" });
  const web = { type: "web", authUrl: "https://www.npmjs.com/auth/cli/5e2f" } as const;
  const jwe = "eyJhbGciOiJFQ0RILUVTIn0..aXY.Y2lwaGVy.dGFn";
  const ask = (token: string, body: Record<string, unknown>, idempotencyKey: string | null = null) => ({
    ...call(token),
    body,
    idempotencyKey,
  });

  it("refuses a run offer without a public key, or with a web challenge, before anything starts", async () => {
    const { device, token, account } = await seed();
    const noKey = await expectError(requestOtp(deps, ask(token, { run: { seconds: 600 } })), "bad_request");
    expect(noKey.message).toMatch(/run needs publicKey/);
    const withWeb = await expectError(
      requestOtp(deps, ask(token, { run: { seconds: 600 }, publicKey, challenge: web })),
      "bad_request",
    );
    expect(withWeb.message).toMatch(/web challenge/);
    expect(sent()).toEqual([]);
    expect(await listHistory(deps, device, account.id)).toEqual([]);
    await requestOtp(deps, ask(token, { run: { seconds: 600 }, publicKey, operation }));
    expect(sent()).toHaveLength(1);
  });

  it("a retry joins its request only when it asks for the same operation and challenge", async () => {
    const { token } = await seed();
    const first = await requestOtp(deps, ask(token, { operation, challenge: web }, "k"));
    expect((await requestOtp(deps, ask(token, { operation, challenge: web }, "k"))).id).toBe(first.id);
    const otherVersion = { ...operation, package: { name: "foo", version: "1.2.4" } };
    const conflict = await expectError(
      requestOtp(deps, ask(token, { operation: otherVersion, challenge: web }, "k")),
      "conflict",
    );
    expect(conflict.requestId).toBe(first.id);
    await expectError(requestOtp(deps, ask(token, { operation }, "k")), "conflict");
    await expectError(
      requestOtp(
        deps,
        ask(token, { operation, challenge: { type: "web", authUrl: "https://www.npmjs.com/auth/cli/other" } }, "k"),
      ),
      "conflict",
    );
    await expectError(requestOtp(deps, ask(token, {}, "k")), "conflict");
    expect(sent()).toHaveLength(1);
  });

  it("a web challenge is approved by opening the page only, and CI learns it was opened, once", async () => {
    const { device, token, account } = await seed();
    const request = await requestOtp(deps, ask(token, { operation, challenge: web }));
    expect(sent()[0]).toMatchObject({ needsScreen: true, body: expect.stringMatching(/"Open npm"/) });
    const codes = await generateTimedCodes(TOTP, now);
    await expectError(answerApproval(deps, device, request.id, { decision: "approve", codes }), "bad_request");
    await answerApproval(deps, device, request.id, { decision: "approve", opened: true });
    expect(await awaitOtp(deps, request, 0)).toEqual({
      requestId: request.id,
      approvedAt: now,
      approvedBy: "Pixel",
      opened: true,
    });
    await expectError(awaitOtp(deps, request, 0), "expired");
    expect(await listHistory(deps, device, account.id)).toMatchObject([
      { outcome: "delivered", challenge: "web", operation },
    ]);
  });

  it("opening a page is refused for a code request", async () => {
    const { device, token } = await seed();
    const request = await requestOtp(deps, ask(token, { operation }));
    const error = await expectError(
      answerApproval(deps, device, request.id, { decision: "approve", opened: true }),
      "bad_request",
    );
    expect(error.message).toMatch(/asks for a code/);
  });

  it("opening the registry's page needs no Countersign passkey, a code still does", async () => {
    const { device, token } = await seed();
    const passkey = { credentialId: "Y3JlZA", publicKey: "cHVi", counter: 0, transports: [], createdAt: now };
    await deps.store.updateDevice(device.id, { passkey });
    const guarded = { ...device, passkey };
    const code = await requestOtp(deps, ask(token, {}));
    const codes = await generateTimedCodes(TOTP, now);
    await expectError(answerApproval(deps, guarded, code.id, { decision: "approve", codes }), "passkey_required");
    const page = await requestOtp(deps, ask(token, { operation, challenge: web }));
    expect(await answerApproval(deps, guarded, page.id, { decision: "approve", opened: true })).toMatchObject({
      status: "approved",
    });
  });

  it("runUntil only for a run offer, and no further than the run plus a minute", async () => {
    const { device, token, account } = await seed();
    const plain = await requestOtp(deps, ask(token, { publicKey }));
    const noRun = await expectError(
      answerApproval(deps, device, plain.id, { decision: "approve", jwe, runUntil: now + 60_000 }),
      "bad_request",
    );
    expect(noRun.message).toMatch(/offered no run/);
    const run = await requestOtp(deps, ask(token, { publicKey, operation, run: { seconds: 900 } }));
    expect(sent().at(-1)).toMatchObject({ needsScreen: true });
    const latest = run.createdAt + 900_000 + 60_000;
    await expectError(
      answerApproval(deps, device, run.id, { decision: "approve", jwe, runUntil: latest + 1 }),
      "bad_request",
    );
    await answerApproval(deps, device, run.id, { decision: "approve", jwe, runUntil: latest });
    expect(await awaitOtp(deps, run, 0)).toMatchObject({ jwe });
    const history = await listHistory(deps, device, account.id);
    expect(history.find((entry) => entry.requestId === run.id)).toMatchObject({
      outcome: "delivered",
      runUntil: latest,
    });
    expect(history.find((entry) => entry.requestId === plain.id)).not.toHaveProperty("runUntil");
  });

  it("CI withdraws a pending request: it expires at once, devices are told, a waiting call gets 410", async () => {
    const { device, token, account } = await seed();
    const request = await requestOtp(deps, ask(token, { operation, challenge: web }));
    const waiting = awaitOtp(deps, request, 30);
    await withdrawOtp(deps, { token, requestId: request.id, ip: "203.0.113.9", userAgent: null });
    const error = await expectError(waiting, "expired");
    expect(error.message).toMatch(/withdrawn by CI/);
    expect(sent().at(-1)).toEqual({ v: 1, type: "answered", requestId: request.id, status: "expired", answeredBy: "" });
    expect((await deps.store.getRequest(request.id))?.challenge).toEqual({ type: "web" });
    expect((await listHistory(deps, device, account.id))[0]).toMatchObject({
      outcome: "expired",
      message: "Withdrawn by CI",
    });
    await expectError(answerApproval(deps, device, request.id, { decision: "approve", opened: true }), "expired");
    // Withdrawing again changes nothing; an answered request cannot be withdrawn.
    await withdrawOtp(deps, { token, requestId: request.id, ip: "203.0.113.9", userAgent: null });
    const denied = await requestOtp(deps, ask(token, {}));
    await answerApproval(deps, device, denied.id, { decision: "deny" });
    await expectError(
      withdrawOtp(deps, { token, requestId: denied.id, ip: "203.0.113.9", userAgent: null }),
      "conflict",
    );
    await expectError(withdrawOtp(deps, { token, requestId: "nope", ip: "203.0.113.9", userAgent: null }), "not_found");
  });
});
