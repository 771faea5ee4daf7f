import {
  type AccountView,
  type ApprovalView,
  approvalChallenge,
  type CreatedLink,
  type DeviceView,
  generateTimedCodes,
  type SecurityEvent,
  type TimedCode,
} from "@countersign/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SoftAuthenticator } from "../testing/SoftAuthenticator.js";
import { startTestApp, type TestApp } from "../testing/startTestApp.js";
import { send, TestDevice } from "../testing/TestDevice.js";

const TOTP = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 } as const;

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.close();
});

/** A paired device holding an account with a CI link. */
async function setup() {
  const device = await TestDevice.pair(app.url, { setupCode: app.setupCode }, "Pixel");
  const { token } = await device.addAccountWithLink("GitHub");
  return { device, token };
}

async function registerPasskey(device: TestDevice, authenticator = SoftAuthenticator.forOrigin(app.url)) {
  const options = await device.call<{ challenge: string; rp: { id: string } }>(
    "POST",
    "/api/v1/devices/me/passkey/options",
  );
  expect(options.status).toBe(200);
  const registered = await device.call<DeviceView>(
    "POST",
    "/api/v1/devices/me/passkey",
    authenticator.register(options.body),
  );
  return { authenticator, options: options.body, registered };
}

/** Starts a CI request (held open in the background) and returns it as the device sees it. */
async function ciRequest(device: TestDevice, token: string) {
  const before = new Set((await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body.map((a) => a.id));
  const response = send(`${app.url}/api/v1/otp`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ wait: 30 }),
  });
  // Tests that leave a request unanswered close the server under it.
  response.catch(() => undefined);
  for (let i = 0; i < 200; i++) {
    const list = (await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body;
    const fresh = list.find((a) => !before.has(a.id));
    if (fresh) return { approval: fresh, response };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("no pending approval appeared");
}

async function statusOf(device: TestDevice, requestId: string) {
  return (await device.call<ApprovalView>("GET", `/api/v1/approvals/${requestId}`)).body.status;
}

function answer(device: TestDevice, requestId: string, body: unknown) {
  return device.call<{ error?: string; message?: string; status?: string }>(
    "POST",
    `/api/v1/approvals/${requestId}/answer`,
    body,
  );
}

async function signedApproval(authenticator: SoftAuthenticator, requestId: string, codes: TimedCode[]) {
  return {
    decision: "approve",
    codes,
    assertion: authenticator.assert(await approvalChallenge(requestId, { codes })),
  };
}

describe("passkey registration", () => {
  it("registers a platform passkey with user verification; the device then shows it", async () => {
    const { device } = await setup();
    const { options, registered } = await registerPasskey(device);
    expect(options.rp.id).toBe("127.0.0.1");
    expect(options).toMatchObject({
      authenticatorSelection: { userVerification: "required", authenticatorAttachment: "platform" },
      attestation: "none",
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ id: device.id, hasPasskey: true });
    expect((await device.call<DeviceView>("GET", "/api/v1/devices/me")).body.hasPasskey).toBe(true);
    const again = await device.call("POST", "/api/v1/devices/me/passkey/options");
    expect(again.status).toBe(409);
  });

  it("refuses a registration without user verification, for another challenge, or replayed", async () => {
    const { device } = await setup();
    const authenticator = SoftAuthenticator.forOrigin(app.url);
    const options = (await device.call<{ challenge: string }>("POST", "/api/v1/devices/me/passkey/options")).body;

    authenticator.userVerified = false;
    const unverified = await device.call("POST", "/api/v1/devices/me/passkey", authenticator.register(options));
    expect(unverified.status).toBe(400);
    expect(unverified.body).toMatchObject({ error: "bad_request", message: expect.stringMatching(/verifying you/) });

    // The refused attempt used its challenge up: a verified answer to it no longer works either.
    authenticator.userVerified = true;
    const late = await device.call("POST", "/api/v1/devices/me/passkey", authenticator.register(options));
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({ message: expect.stringMatching(/expired or was already used/) });

    const next = (await device.call<{ challenge: string }>("POST", "/api/v1/devices/me/passkey/options")).body;
    const forged = await device.call(
      "POST",
      "/api/v1/devices/me/passkey",
      authenticator.register({ challenge: "bm9wZQ" }),
    );
    expect(forged.status).toBe(400);
    expect((await device.call<DeviceView>("GET", "/api/v1/devices/me")).body.hasPasskey).toBe(false);

    const response = authenticator.register(next);
    expect((await device.call("POST", "/api/v1/devices/me/passkey", response)).status).toBe(201);
    expect((await device.call("POST", "/api/v1/devices/me/passkey", response)).status).toBe(409);
  });

  it("refuses malformed registration bodies with a message", async () => {
    const { device } = await setup();
    const bad = await device.call("POST", "/api/v1/devices/me/passkey", { id: "x" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "bad_request", message: expect.stringContaining("Invalid body") });
  });
});

describe("approvals with a passkey", () => {
  it("an approval with a verified assertion bound to the request delivers the code to CI", async () => {
    const { device, token } = await setup();
    const { authenticator } = await registerPasskey(device);
    const { approval, response } = await ciRequest(device, token);
    const codes = await generateTimedCodes(TOTP, Date.now());
    const answered = await answer(device, approval.id, await signedApproval(authenticator, approval.id, codes));
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ status: "approved" });
    const ci = await response;
    expect(ci.status).toBe(200);
    expect(codes.map((c) => `${c.otp}\n`)).toContain(ci.text);
  });

  it("refuses an approval without an assertion, with 403 passkey_required, and the request stays pending", async () => {
    const { device, token } = await setup();
    await registerPasskey(device);
    const { approval } = await ciRequest(device, token);
    const codes = await generateTimedCodes(TOTP, Date.now());
    const refused = await answer(device, approval.id, { decision: "approve", codes });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "passkey_required", message: expect.stringMatching(/passkey/) });
    expect(await statusOf(device, approval.id)).toBe("pending");
  });

  it("refuses an assertion made for another request, or for other codes", async () => {
    const { device, token } = await setup();
    const { authenticator } = await registerPasskey(device);
    const first = await ciRequest(device, token);
    const second = await ciRequest(device, token);
    const codes = await generateTimedCodes(TOTP, Date.now());

    const moved = { ...(await signedApproval(authenticator, first.approval.id, codes)) };
    const wrongRequest = await answer(device, second.approval.id, moved);
    expect(wrongRequest.status).toBe(401);
    expect(wrongRequest.body.message).toMatch(/another request/);

    const swapped = await signedApproval(authenticator, second.approval.id, codes);
    const otherCodes = [{ otp: "000000", notBefore: codes[0]?.notBefore ?? 0, notAfter: codes[0]?.notAfter ?? 1 }];
    const wrongCodes = await answer(device, second.approval.id, { ...swapped, codes: otherCodes });
    expect(wrongCodes.status).toBe(401);

    expect(await statusOf(device, first.approval.id)).toBe("pending");
    expect(await statusOf(device, second.approval.id)).toBe("pending");
  });

  it("refuses a replayed assertion, even when the authenticator keeps no counter", async () => {
    const { device, token } = await setup();
    const { authenticator } = await registerPasskey(device);
    const { approval } = await ciRequest(device, token);
    const codes = await generateTimedCodes(TOTP, Date.now());
    const body = await signedApproval(authenticator, approval.id, codes);
    expect((await answer(device, approval.id, body)).status).toBe(200);
    const replayed = await answer(device, approval.id, body);
    expect(replayed.status).toBe(401);
    expect(replayed.body.message).toMatch(/already used|older than/);

    // An authenticator without a counter (always 0, as many phones' passkeys): the one-time record still stops it.
    const { device: tablet, token: tabletToken } = await (async () => {
      // With its passkey, this device invites only with a fresh assertion (functions/src/http/passkeyGuard.test.ts).
      const challenge = (
        await device.call<{ challenge: string }>("POST", "/api/v1/devices/me/passkey/challenge", { purpose: "invite" })
      ).body;
      const invite = (
        await device.call<{ inviteCode: string }>("POST", "/api/v1/invites", {
          assertion: authenticator.assert(challenge.challenge),
        })
      ).body;
      const tablet = await TestDevice.pair(app.url, { inviteCode: invite.inviteCode }, "Tablet");
      const account = (await tablet.call<AccountView>("POST", "/api/v1/accounts", { issuer: "pypi", label: "bob" }))
        .body;
      const link = await tablet.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, { name: "GL" });
      return { device: tablet, token: link.body.token };
    })();
    const counterless = SoftAuthenticator.forOrigin(app.url);
    await registerPasskey(tablet, counterless);
    const next = await ciRequest(tablet, tabletToken);
    const nextCodes = await generateTimedCodes(TOTP, Date.now());
    counterless.counter = -1; // assert() counts up to 0, as an authenticator that keeps no counter reports
    const once = await signedApproval(counterless, next.approval.id, nextCodes);
    expect((await answer(tablet, next.approval.id, once)).status).toBe(200);
    expect((await answer(tablet, next.approval.id, once)).status).toBe(401);
  });

  it("refuses an assertion made without user verification; nothing changes", async () => {
    const { device, token } = await setup();
    const { authenticator } = await registerPasskey(device);
    const { approval } = await ciRequest(device, token);
    const codes = await generateTimedCodes(TOTP, Date.now());
    authenticator.userVerified = false;
    const refused = await answer(device, approval.id, await signedApproval(authenticator, approval.id, codes));
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: "unauthorized", message: expect.stringMatching(/did not verify you/) });
    expect(await statusOf(device, approval.id)).toBe("pending");

    authenticator.userVerified = true;
    const ok = await answer(device, approval.id, await signedApproval(authenticator, approval.id, codes));
    expect(ok.status).toBe(200);
  });

  it("a denial needs no assertion (denying is always safe)", async () => {
    const { device, token } = await setup();
    await registerPasskey(device);
    const { approval, response } = await ciRequest(device, token);
    expect((await answer(device, approval.id, { decision: "deny" })).status).toBe(200);
    expect((await response).status).toBe(403);
  });
});

describe("turning the passkey off", () => {
  it("needs a fresh assertion over a server challenge; afterwards approvals need none", async () => {
    const { device, token } = await setup();
    const { authenticator } = await registerPasskey(device);

    const unsigned = await device.call("DELETE", "/api/v1/devices/me/passkey", {});
    expect(unsigned.status).toBe(400);
    const homemade = await device.call("DELETE", "/api/v1/devices/me/passkey", {
      assertion: authenticator.assert("c2VsZi1tYWRl"),
    });
    expect(homemade.status).toBe(401);

    const challenge = (
      await device.call<{ challenge: string; allowCredentials: { id: string }[] }>(
        "POST",
        "/api/v1/devices/me/passkey/challenge",
      )
    ).body;
    expect(challenge.allowCredentials.map((c) => c.id)).toEqual([authenticator.id]);
    authenticator.userVerified = false;
    const unverified = await device.call("DELETE", "/api/v1/devices/me/passkey", {
      assertion: authenticator.assert(challenge.challenge),
    });
    expect(unverified.status).toBe(401);
    expect((await device.call<DeviceView>("GET", "/api/v1/devices/me")).body.hasPasskey).toBe(true);

    authenticator.userVerified = true;
    const fresh = (await device.call<{ challenge: string }>("POST", "/api/v1/devices/me/passkey/challenge")).body;
    const removed = await device.call<DeviceView>("DELETE", "/api/v1/devices/me/passkey", {
      assertion: authenticator.assert(fresh.challenge),
    });
    expect(removed.status).toBe(200);
    expect(removed.body.hasPasskey).toBe(false);
    const events = await device.call<SecurityEvent[]>("GET", "/api/v1/security-events");
    expect(events.body.map((e) => e.kind).slice(0, 2)).toEqual(["passkey_removed", "passkey_added"]);

    const { approval } = await ciRequest(device, token);
    const codes = await generateTimedCodes(TOTP, Date.now());
    expect((await answer(device, approval.id, { decision: "approve", codes })).status).toBe(200);
  });
});
