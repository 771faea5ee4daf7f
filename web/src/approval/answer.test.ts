import "fake-indexeddb/auto";
import {
  type ApprovalView,
  generateDeviceKey,
  generateTotp,
  JweAnswerPayload,
  validateAccount,
} from "@countersign/shared";
import { compactDecrypt, exportJWK, generateKeyPair } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { approvalView as sampleApprovalView } from "../../../e2e/helpers/approvalView.js";
import { createApiClient } from "../api/client.js";
import { openCountersignDb } from "../storage/db.js";
import { freshDbForEachTest } from "../test/freshDb.js";
import { startSignedServer } from "../test/signedServer.js";
import { createVault } from "../vault/vault.js";
import { answerOpened, approveRequest, buildApproveBody, denyRequest } from "./answer.js";

const SECRET = "JBSWY3DPEHPK3PXP";
const NOW = Date.UTC(2026, 10, 22, 12, 0, 29, 500);

/** The shared request view, created a second before NOW. */
const approvalView = (overrides: Partial<ApprovalView> = {}) =>
  sampleApprovalView({ createdAt: NOW - 1000, expiresAt: NOW + 600_000, ...overrides });

let close: (() => Promise<void>) | undefined;
freshDbForEachTest();
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function setup(
  view: ApprovalView,
  answer: (body: unknown) => { status: number; body?: unknown },
  kind: "totp" | "passkey" = "totp",
) {
  const vault = createVault(await openCountersignDb());
  const added =
    kind === "passkey"
      ? await vault.addPasskeyAccount({ kind: "passkey", issuer: "npm", label: "alice" }, { serverId: "acc_1" })
      : await vault.addAccount(validateAccount({ issuer: "npm", label: "alice", secret: SECRET }), {
          serverId: "acc_1",
        });
  if (!added.ok) throw new Error("not added");
  const key = await generateDeviceKey();
  const server = await startSignedServer(
    () => key.publicKeyJwk,
    (request) => (request.method === "GET" ? { status: 200, body: view } : answer(JSON.parse(request.body) as unknown)),
  );
  close = server.close;
  const api = createApiClient({
    identity: async () => ({ privateKey: key.privateKey, deviceId: "dev_1" }),
    baseUrl: server.baseUrl,
  });
  return { vault, api, server };
}

describe("answering a CI request", () => {
  it("approves with the codes of the current and next step, computed from the vault", async () => {
    const { vault, api, server } = await setup(approvalView(), () => ({ status: 200, body: { status: "approved" } }));
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1")).toEqual({ kind: "approved" });
    const sent = JSON.parse(server.received[1]?.body ?? "{}");
    const params = { secret: SECRET, algorithm: "SHA1", digits: 6, period: 30 } as const;
    expect(sent).toEqual({
      decision: "approve",
      codes: [
        { otp: await generateTotp(params, NOW), notBefore: NOW - 29_500, notAfter: NOW + 500 },
        { otp: await generateTotp(params, NOW + 30_000), notBefore: NOW + 500, notAfter: NOW + 30_500 },
      ],
    });
    expect(server.received[1]?.path).toBe("/api/v1/approvals/req_1/answer");
    expect(server.received.map((r) => r.body).join("")).not.toContain(SECRET);
  });

  it("encrypts the codes to CI's key when the request carries one, so the server only relays ciphertext", async () => {
    const ci = await generateKeyPair("ECDH-ES", { crv: "P-256" });
    const publicJwk = await exportJWK(ci.publicKey);
    const view = approvalView({
      publicKey: { kty: "EC", crv: "P-256", x: publicJwk.x as string, y: publicJwk.y as string },
    });
    const { vault, api, server } = await setup(view, () => ({ status: 200, body: { status: "approved" } }));
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1")).toEqual({ kind: "approved" });
    const sent = JSON.parse(server.received[1]?.body ?? "{}") as { decision: string; jwe: string; codes?: unknown };
    expect(sent.decision).toBe("approve");
    expect(sent.codes).toBeUndefined();
    const { plaintext, protectedHeader } = await compactDecrypt(sent.jwe, ci.privateKey);
    expect(protectedHeader).toMatchObject({ alg: "ECDH-ES", enc: "A256GCM" });
    const payload = JweAnswerPayload.parse(JSON.parse(new TextDecoder().decode(plaintext)));
    expect(payload.codes[0]?.otp).toBe(
      await generateTotp({ secret: SECRET, algorithm: "SHA1", digits: 6, period: 30 }, NOW),
    );
  });

  it("says which device answered first when the server reports already_answered", async () => {
    const { vault, api } = await setup(approvalView(), () => ({
      status: 409,
      body: {
        error: "already_answered",
        message: "Already approved on Pixel 9.",
        requestId: "req_1",
        answeredBy: { deviceId: "dev_2", deviceName: "Pixel 9" },
      },
    }));
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1")).toEqual({
      kind: "already_answered",
      status: "approved",
      deviceName: "Pixel 9",
    });
  });

  it("does not send codes for a request that is no longer pending", async () => {
    const view = approvalView({ status: "denied", answeredBy: { deviceId: "dev_2", deviceName: "Laptop" } });
    const { vault, api, server } = await setup(view, () => ({ status: 500 }));
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1")).toMatchObject({
      kind: "already_answered",
      deviceName: "Laptop",
    });
    expect(server.received).toHaveLength(1);
  });

  it("refuses to approve for an account this device does not hold", async () => {
    const { vault, api, server } = await setup(approvalView({ accountId: "acc_other" }), () => ({ status: 200 }));
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1")).toMatchObject({ kind: "error" });
    expect(server.received).toHaveLength(1);
  });

  it("denies, and pauses the link when asked", async () => {
    const { api, server } = await setup(approvalView(), () => ({ status: 200, body: { status: "denied" } }));
    expect(await denyRequest({ api }, "req_1", true)).toEqual({ kind: "denied", paused: true });
    expect(JSON.parse(server.received[0]?.body ?? "{}")).toEqual({ decision: "deny", pauseLink: true });
  });

  it("builds a plain approval body without a public key", async () => {
    const codes = [{ otp: "123456", notBefore: 0, notAfter: 30_000 }];
    expect(await buildApproveBody({ publicKey: null }, codes)).toEqual({ decision: "approve", codes });
  });
});

describe("approving with a passkey", () => {
  const assertion = {
    id: "Y3JlZA",
    rawId: "Y3JlZA",
    type: "public-key",
    response: { clientDataJSON: "e30", authenticatorData: "AA", signature: "AA" },
    clientExtensionResults: {},
  } as const;

  it("signs the challenge bound to this request and these exact codes, and sends the assertion", async () => {
    const { vault, api, server } = await setup(approvalView(), () => ({ status: 200, body: { status: "approved" } }));
    const asked: { requestId: string; answer: unknown }[] = [];
    const outcome = await approveRequest(
      {
        api,
        vault,
        now: () => NOW,
        assertApproval: async (requestId, answer) => {
          asked.push({ requestId, answer });
          return assertion;
        },
      },
      "req_1",
    );
    expect(outcome).toEqual({ kind: "approved" });
    const sent = JSON.parse(server.received[1]?.body ?? "{}");
    expect(asked).toEqual([{ requestId: "req_1", answer: { codes: sent.codes } }]);
    expect(sent.assertion).toEqual(assertion);
  });

  it("sends nothing when the passkey prompt is cancelled", async () => {
    const { vault, api, server } = await setup(approvalView(), () => ({ status: 200, body: { status: "approved" } }));
    const outcome = await approveRequest(
      {
        api,
        vault,
        now: () => NOW,
        assertApproval: async () => {
          throw new Error("The passkey was not used.");
        },
      },
      "req_1",
    );
    expect(outcome).toEqual({ kind: "error", message: "The passkey was not used." });
    expect(server.received.filter((request) => request.method === "POST")).toHaveLength(0);
  });

  it("shows the server's refusal when the device requires a passkey the app did not use", async () => {
    const { vault, api } = await setup(approvalView(), () => ({
      status: 403,
      body: { error: "passkey_required", message: "This device requires its passkey to approve." },
    }));
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1")).toEqual({
      kind: "error",
      message: "This device requires its passkey to approve.",
    });
  });
});

describe("the registry relay's requests", () => {
  const params = { secret: SECRET, algorithm: "SHA1", digits: 6, period: 30 } as const;

  async function ciKey() {
    const ci = await generateKeyPair("ECDH-ES", { crv: "P-256" });
    const jwk = await exportJWK(ci.publicKey);
    return { ci, publicKey: { kty: "EC", crv: "P-256", x: jwk.x as string, y: jwk.y as string } as const };
  }

  it("covering the run sends a code for every step until the run's end, and runUntil beside the JWE", async () => {
    const { ci, publicKey } = await ciKey();
    const view = approvalView({ publicKey, run: { seconds: 600 } });
    const { vault, api, server } = await setup(view, () => ({ status: 200, body: { status: "approved" } }));
    const runUntil = view.createdAt + 600_000;
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1", { coverRun: true })).toEqual({
      kind: "approved",
      runUntil,
    });
    const sent = JSON.parse(server.received[1]?.body ?? "{}") as { jwe: string; runUntil: number };
    expect(sent.runUntil).toBe(runUntil);
    const { plaintext } = await compactDecrypt(sent.jwe, ci.privateKey);
    const payload = JweAnswerPayload.parse(JSON.parse(new TextDecoder().decode(plaintext)));
    expect(payload.runUntil).toBe(runUntil);
    // From the step containing NOW (12:00:00) to the one containing the run's end (12:10:00).
    expect(payload.codes).toHaveLength(21);
    expect(payload.codes[0]).toEqual({
      otp: await generateTotp(params, NOW),
      notBefore: NOW - 29_500,
      notAfter: NOW + 500,
    });
    const last = payload.codes.at(-1);
    expect(last?.notBefore).toBeLessThanOrEqual(runUntil);
    expect(last?.notAfter).toBeGreaterThan(runUntil);
    expect(last?.otp).toBe(await generateTotp(params, runUntil));
  });

  it("without the option, a run offer is answered with the usual two codes", async () => {
    const { ci, publicKey } = await ciKey();
    const view = approvalView({ publicKey, run: { seconds: 600 } });
    const { vault, api, server } = await setup(view, () => ({ status: 200, body: { status: "approved" } }));
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1")).toEqual({ kind: "approved" });
    const sent = JSON.parse(server.received[1]?.body ?? "{}") as { jwe: string; runUntil?: number };
    expect(sent.runUntil).toBeUndefined();
    const { plaintext } = await compactDecrypt(sent.jwe, ci.privateKey);
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual({ codes: expect.any(Array) });
    expect(JSON.parse(new TextDecoder().decode(plaintext)).codes).toHaveLength(2);
  });

  it("a web challenge is answered opened, never with codes", async () => {
    const view = approvalView({ challenge: { type: "web", authUrl: "https://www.npmjs.com/auth/cli/1" } });
    const { vault, api, server } = await setup(view, () => ({ status: 200, body: { status: "approved" } }));
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1")).toMatchObject({ kind: "error" });
    expect(server.received.filter((request) => request.method === "POST")).toHaveLength(0);
    expect(await answerOpened({ api }, "req_1")).toEqual({ kind: "opened" });
    expect(JSON.parse(server.received.at(-1)?.body ?? "{}")).toEqual({ decision: "approve", opened: true });
  });

  it("a passkey account (no seed here) cannot answer a request for a code: it says why and sends nothing", async () => {
    const { vault, api, server } = await setup(approvalView(), () => ({ status: 200 }), "passkey");
    expect(await approveRequest({ api, vault, now: () => NOW }, "req_1")).toEqual({
      kind: "error",
      message:
        "This account has no code on this phone: npm asked for a one-time password. " +
        "If the account uses TOTP, add its QR code to this phone.",
    });
    expect(server.received.filter((request) => request.method === "POST")).toHaveLength(0);
    expect(await denyRequest({ api }, "req_1")).toEqual({ kind: "denied", paused: false });
  });

  it("a passkey account opens the registry's page for a web challenge", async () => {
    const view = approvalView({ challenge: { type: "web", authUrl: "https://www.npmjs.com/auth/cli/1" } });
    const { api, server } = await setup(view, () => ({ status: 200, body: { status: "approved" } }), "passkey");
    expect(await answerOpened({ api }, "req_1")).toEqual({ kind: "opened" });
    expect(JSON.parse(server.received.at(-1)?.body ?? "{}")).toEqual({ decision: "approve", opened: true });
  });
});
