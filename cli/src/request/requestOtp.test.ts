import { OIDC_TOKEN_HEADER as SERVER_OIDC_TOKEN_HEADER } from "@countersign/shared";
import { describe, expect, it } from "vitest";
import { createEphemeralKey } from "../codes/createEphemeralKey.js";
import type { Link } from "../link/resolveLink.js";
import { sendJson, type startHttpServer, startHttpServerPerTest } from "../testing/startHttpServer.js";
import { OIDC_TOKEN_HEADER, type RequestOtpOptions, requestOtp } from "./requestOtp.js";

const TOKEN = "cs_abcdefghijklmnopqrstuvwxyz012345";

describe("requestOtp against misbehaving servers", () => {
  const startServer = startHttpServerPerTest();

  async function run(
    handler: Parameters<typeof startHttpServer>[0],
    overrides: Partial<RequestOtpOptions> = {},
  ): Promise<{
    outcome: Awaited<ReturnType<typeof requestOtp>>;
    server: Awaited<ReturnType<typeof startHttpServer>>;
    sleeps: number[];
  }> {
    const server = await startServer(handler);
    const link: Link = { base: server.origin, origin: server.origin, token: TOKEN };
    const sleeps: number[] = [];
    const key = await createEphemeralKey();
    const outcome = await requestOtp({
      link,
      body: { package: { name: "@acme/rocket", version: "1.0.0" }, publicKey: key.publicJwk },
      waitSeconds: 30,
      idempotencyKey: "idem-1",
      userAgent: "countersign-test",
      privateKey: key.privateKey,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...overrides,
    });
    return { outcome, server, sleeps };
  }

  it("waits as Retry-After says on 429 and repeats the POST with the same Idempotency-Key", async () => {
    const { outcome, server, sleeps } = await run((_request, response, index) => {
      if (index === 0)
        return sendJson(response, 429, { error: "rate_limited", message: "slow down" }, { "retry-after": "3" });
      sendJson(response, 200, { requestId: "r1", otp: "123456", validUntil: 1, approvedAt: 1 });
    });
    expect(outcome).toMatchObject({ ok: true, value: { otp: "123456", requestId: "r1", encrypted: false } });
    expect(sleeps).toEqual([3000]);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /api/v1/otp", "POST /api/v1/otp"]);
    for (const request of server.requests) {
      expect(request.headers["idempotency-key"]).toBe("idem-1");
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers.accept).toBe("application/json");
      expect(request.url).not.toContain(TOKEN);
      expect(Object.keys(JSON.parse(request.body)).sort()).toEqual(["package", "publicKey", "wait"]);
    }
  });

  it("retries a 503 and a dropped connection, then resumes a 408 by request id", async () => {
    const { outcome, server, sleeps } = await run((_request, response, index) => {
      if (index === 0) return sendJson(response, 503, { error: "internal", message: "restarting" });
      if (index === 1) return void response.socket?.destroy();
      if (index === 2)
        return sendJson(response, 408, { error: "timeout", message: "no answer yet", requestId: "req/42" });
      if (index === 3) return void response.socket?.destroy();
      sendJson(response, 200, { requestId: "req/42", otp: "654321", approvedBy: "Pixel", approvedAt: 5 });
    });
    expect(outcome).toMatchObject({ ok: true, value: { otp: "654321", approvedBy: "Pixel" } });
    expect(server.requests.map((r) => `${r.method} ${r.url.replace(/wait=\d+/, "wait=N")}`)).toEqual([
      "POST /api/v1/otp",
      "POST /api/v1/otp",
      "POST /api/v1/otp",
      "GET /api/v1/requests/req%2F42?wait=N",
      "GET /api/v1/requests/req%2F42?wait=N",
    ]);
    expect(new Set(server.requests.map((r) => r.headers["idempotency-key"]))).toEqual(new Set(["idem-1"]));
    expect(sleeps).toHaveLength(4);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(5000 * 1.2);
  });

  it("sends a fresh OIDC token when it has to repeat the POST", async () => {
    const { outcome, server } = await run(
      (_request, response, index) => {
        if (index === 0) return void response.socket?.destroy();
        sendJson(response, 200, { requestId: "r1", otp: "123456", approvedAt: 1 });
      },
      {
        body: { oidcToken: "first-token-0123456789" },
        refreshOidcToken: async () => "second-token-0123456789",
      },
    );
    expect(outcome.ok).toBe(true);
    expect(server.requests.map((r) => JSON.parse(r.body).oidcToken)).toEqual([
      "first-token-0123456789",
      "second-token-0123456789",
    ]);
  });

  it("resumes with the job's OIDC token (refreshed) in its header, and only sends it where it must", async () => {
    const tokens = ["first-token-0123456789", "second-token-0123456789", "third-token-0123456789"];
    const { outcome, server } = await run(
      (_request, response, index) => {
        if (index < 2) return sendJson(response, 408, { error: "timeout", message: "no answer", requestId: "r7" });
        sendJson(response, 200, { requestId: "r7", otp: "123456", approvedAt: 1 });
      },
      { body: { oidcToken: tokens[0] }, refreshOidcToken: async () => tokens.shift() },
    );
    expect(outcome.ok).toBe(true);
    expect(server.requests.map((r) => `${r.method} ${r.url.replace(/\?.*/, "")}`)).toEqual([
      "POST /api/v1/otp",
      "GET /api/v1/requests/r7",
      "GET /api/v1/requests/r7",
    ]);
    // The POST carries it in the body, each resume in the header, freshly asked for.
    expect(server.requests[0]?.headers[OIDC_TOKEN_HEADER]).toBeUndefined();
    expect(server.requests.slice(1).map((r) => r.headers[OIDC_TOKEN_HEADER])).toEqual([
      "first-token-0123456789",
      "second-token-0123456789",
    ]);
    for (const request of server.requests) expect(request.url).not.toContain("token-0123456789");
  });

  it("names the header as the server reads it", () => {
    expect(OIDC_TOKEN_HEADER).toBe(SERVER_OIDC_TOKEN_HEADER);
  });

  it("resumes without the header when the job has no OIDC token", async () => {
    const { server } = await run((_request, response, index) => {
      if (index === 0) return sendJson(response, 408, { error: "timeout", message: "no answer", requestId: "r8" });
      sendJson(response, 200, { requestId: "r8", otp: "123456", approvedAt: 1 });
    });
    expect(server.requests[1]?.headers[OIDC_TOKEN_HEADER]).toBeUndefined();
  });

  it.each([
    [401, { error: "unauthorized", message: "unknown link" }, "unauthorized"],
    [403, { error: "policy", message: "repository not allowed" }, "unauthorized"],
    [403, { error: "denied", message: "denied on Pixel", requestId: "r9" }, "denied"],
    [410, { error: "expired", message: "too late", requestId: "r9" }, "timeout"],
    [404, { error: "not_found", message: "no route" }, "unauthorized"],
    [400, { error: "bad_request", message: "context.ref too long" }, "unexpected"],
  ])("maps HTTP %i %j to %s", async (status, body, kind) => {
    const { outcome } = await run((_request, response) => sendJson(response, status, body));
    expect(outcome).toMatchObject({ ok: false, failure: { kind, serverError: body.error } });
    if (!outcome.ok) expect(outcome.failure.message).toContain(body.message);
  });

  it("gives up with a timeout when --wait runs out", async () => {
    // An injected clock: the server holds each call for the wait it was asked for (in clock time, at once
    // in real time), the client's sleeps advance it too. A client that asked again after its wait ran out,
    // or sat out more than the wait, shows here as a later clock or more requests.
    let clock = 1_000_000;
    const started = clock;
    const { outcome, server } = await run(
      (request, response) => {
        const wait = Number(
          new URL(request.url, "http://x").searchParams.get("wait") ?? JSON.parse(request.body || "{}").wait,
        );
        clock += wait * 1000;
        sendJson(response, 408, { error: "timeout", message: "", requestId: "r1" });
      },
      {
        waitSeconds: 2,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      },
    );
    expect(outcome).toMatchObject({ ok: false, failure: { kind: "timeout", requestId: "r1" } });
    expect(clock - started).toBe(2000);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.method).toBe("POST");
    expect(JSON.parse(server.requests[0]?.body ?? "{}").wait).toBe(2);
  });

  it("stops at once when the host does not exist", async () => {
    const key = await createEphemeralKey();
    const outcome = await requestOtp({
      link: { base: "http://countersign.invalid", origin: "http://countersign.invalid", token: TOKEN },
      body: { publicKey: key.publicJwk },
      waitSeconds: 30,
      idempotencyKey: "k",
      userAgent: "t",
    });
    expect(outcome).toMatchObject({
      ok: false,
      failure: { kind: "unexpected", message: expect.stringMatching(/ENOTFOUND/) },
    });
  });
});
