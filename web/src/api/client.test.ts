import { generateDeviceKey } from "@countersign/shared";
import { afterEach, describe, expect, it } from "vitest";
import { startSignedServer } from "../test/signedServer.js";
import { createApiClient } from "./client.js";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("signed API client", () => {
  it("signs method, path with its query, and body so the server can verify them", async () => {
    const key = await generateDeviceKey();
    const server = await startSignedServer(
      () => key.publicKeyJwk,
      (request) => ({ status: 200, body: { echo: request.path } }),
    );
    close = server.close;
    const api = createApiClient({
      identity: async () => ({ privateKey: key.privateKey, deviceId: "dev_1" }),
      baseUrl: server.baseUrl,
    });
    const got = await api.call<{ echo: string }>("GET", "/api/v1/approvals?status=pending&x=%20y");
    expect(got).toEqual({ ok: true, status: 200, data: { echo: "/api/v1/approvals?status=pending&x=%20y" } });
    const posted = await api.call("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" });
    expect(posted.ok).toBe(true);
    expect(server.received.map((r) => r.signatureValid)).toEqual([true, true]);
    expect(server.received[1]?.headers["x-countersign-device"]).toBe("dev_1");
    expect(server.received[1]?.body).toBe('{"issuer":"npm","label":"alice"}');
    // A fresh nonce per call, so a replayed request can be refused.
    expect(server.received[0]?.headers["x-countersign-nonce"]).not.toBe(
      server.received[1]?.headers["x-countersign-nonce"],
    );
  });

  it("is refused when signed by another key", async () => {
    const key = await generateDeviceKey();
    const other = await generateDeviceKey();
    const server = await startSignedServer(
      () => key.publicKeyJwk,
      () => ({ status: 200, body: {} }),
    );
    close = server.close;
    const api = createApiClient({
      identity: async () => ({ privateKey: other.privateKey, deviceId: "dev_1" }),
      baseUrl: server.baseUrl,
    });
    expect(await api.call("GET", "/api/v1/devices/me")).toMatchObject({
      ok: false,
      status: 401,
      error: "unauthorized",
    });
  });

  it("returns the server's error code and message as a value", async () => {
    const key = await generateDeviceKey();
    const server = await startSignedServer(
      () => key.publicKeyJwk,
      () => ({ status: 409, body: { error: "already_answered", message: "Answered on Pixel." } }),
    );
    close = server.close;
    const api = createApiClient({ identity: async () => ({ privateKey: key.privateKey }), baseUrl: server.baseUrl });
    expect(await api.call("POST", "/api/v1/approvals/r1/answer", { decision: "deny" })).toMatchObject({
      ok: false,
      status: 409,
      error: "already_answered",
      message: "Answered on Pixel.",
    });
  });

  it("reports an unreachable server and an unpaired device without throwing", async () => {
    const key = await generateDeviceKey();
    const offline = createApiClient({
      identity: async () => ({ privateKey: key.privateKey }),
      baseUrl: "http://127.0.0.1:1",
    });
    expect(await offline.call("GET", "/api/v1/devices/me")).toMatchObject({ ok: false, error: "offline" });
    const unpaired = createApiClient({ identity: async () => undefined });
    expect(await unpaired.call("GET", "/api/v1/devices/me")).toMatchObject({ ok: false, error: "not_paired" });
  });
});
