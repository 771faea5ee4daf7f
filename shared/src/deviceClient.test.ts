import { generateKeyPairSync, sign } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type RecordedRequest, sendJson, startHttpServer } from "../../cli/src/testing/startHttpServer.js";
// The relay's own check of a device signature, so "the server accepts it" means the real server.
import { verifyDeviceSignature } from "../../functions/src/domain/deviceSignature.js";
import { createDeviceClient, DeviceApiError, type PreparedDeviceRequest } from "./deviceClient.js";
import { canonicalRequest, generateDeviceKey, type P256PublicJwk, SIGNATURE_HEADERS } from "./index.js";

/** What the server got, with the request's path as the client signed it. */
type Received = RecordedRequest & { path: string };

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A real HTTP server answering `answer(request)` as JSON, recording what it got. */
async function startServer(answer: (request: Received) => { status: number; body?: unknown }) {
  const received: Received[] = [];
  const server = await startHttpServer((recorded, response) => {
    const request = { ...recorded, path: recorded.url };
    received.push(request);
    const { status, body } = answer(request);
    if (body === undefined) response.writeHead(status).end("");
    else sendJson(response, status, body, { "content-type": "application/json; charset=utf-8" });
  });
  close = server.close;
  return { baseUrl: server.origin, received };
}

/** What the relay checks of a signature (freshness and nonce reuse aside). */
function serverAccepts(jwk: JsonWebKey, request: { method: string; path: string; headers: object; body?: string }) {
  const headers = request.headers as Record<string, string>;
  return verifyDeviceSignature(
    jwk as P256PublicJwk,
    {
      method: request.method,
      path: request.path,
      timestamp: headers[SIGNATURE_HEADERS.timestamp] ?? "",
      nonce: headers[SIGNATURE_HEADERS.nonce] ?? "",
      body: request.body ?? "",
    },
    headers[SIGNATURE_HEADERS.signature] ?? "",
  );
}

describe("device client: prepare", () => {
  it("signs method, path with query, timestamp, nonce and body in the canonical form", async () => {
    const key = await generateDeviceKey();
    const client = createDeviceClient({ identity: { deviceId: "dev_1", privateKey: key.privateKey } });
    const prepared = await client.prepare("patch", "/api/v1/devices/me?x=%20y", { name: "Pixel" }, { now: 1234 });
    const nonce = prepared.headers[SIGNATURE_HEADERS.nonce] ?? "";
    expect(prepared.headers).toMatchObject({
      [SIGNATURE_HEADERS.device]: "dev_1",
      [SIGNATURE_HEADERS.timestamp]: "1234",
      "content-type": "application/json",
    });
    expect(prepared.body).toBe('{"name":"Pixel"}');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // The exact text the relay rebuilds and checks; the body hash is SHA-256 of '{"name":"Pixel"}'.
    expect(await canonicalRequest({ ...prepared, timestamp: "1234", nonce, body: prepared.body ?? "" })).toBe(
      `countersign-device-v1\nPATCH\n/api/v1/devices/me?x=%20y\n1234\n${nonce}\n5dqwa1BqDwJLo4QYntqEaSJ_E93107jBPf-fjOhNnPg`,
    );
    expect(serverAccepts(key.publicKeyJwk, { ...prepared, method: "PATCH" })).toBe(true);
  });

  it("makes a signature the relay refuses once the body, path, method or key differ", async () => {
    const key = await generateDeviceKey();
    const client = createDeviceClient({ identity: { deviceId: "dev_1", privateKey: key.privateKey } });
    const prepared = await client.prepare("POST", "/api/v1/approvals/r1/answer", { decision: "deny" });
    expect(serverAccepts(key.publicKeyJwk, prepared)).toBe(true);
    expect(serverAccepts(key.publicKeyJwk, { ...prepared, body: '{"decision":"approve"}' })).toBe(false);
    expect(serverAccepts(key.publicKeyJwk, { ...prepared, path: "/api/v1/approvals/r2/answer" })).toBe(false);
    expect(serverAccepts(key.publicKeyJwk, { ...prepared, method: "PUT" })).toBe(false);
    expect(serverAccepts((await generateDeviceKey()).publicKeyJwk, prepared)).toBe(false);
  });

  it("uses a fresh nonce for each call, so a replayed one stands out", async () => {
    const key = await generateDeviceKey();
    const client = createDeviceClient({ identity: { deviceId: "dev_1", privateKey: key.privateKey } });
    const nonces = new Set<string>();
    for (let i = 0; i < 20; i++) {
      nonces.add((await client.prepare("GET", "/api/v1/approvals")).headers[SIGNATURE_HEADERS.nonce] ?? "");
    }
    expect(nonces.size).toBe(20);
  });

  it("signs without a device id for pairing, as another id, or over a raw body", async () => {
    const key = await generateDeviceKey();
    const client = createDeviceClient({ identity: () => ({ deviceId: "dev_1", privateKey: key.privateKey }) });
    const pairing = await client.prepare("POST", "/api/v1/devices", { name: "Phone" }, { deviceId: null });
    expect(pairing.headers).not.toHaveProperty(SIGNATURE_HEADERS.device);
    const forged = await client.prepare("GET", "/api/v1/devices/me", undefined, { deviceId: "dev_2" });
    expect(forged.headers[SIGNATURE_HEADERS.device]).toBe("dev_2");
    expect(forged).not.toHaveProperty("body");
    expect(forged.headers).not.toHaveProperty("content-type");
    const raw = await client.prepare("POST", "/api/v1/accounts", { ignored: true }, { rawBody: "{not json" });
    expect(raw.body).toBe("{not json");
    expect(serverAccepts(key.publicKeyJwk, raw)).toBe(true);
  });

  it("signs with an injected function, e.g. a node:crypto key", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const client = createDeviceClient({
      identity: {
        deviceId: "dev_1",
        sign: async (canonical) => sign("sha256", canonical, { key: privateKey, dsaEncoding: "ieee-p1363" }),
      },
    });
    const prepared = await client.prepare("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" });
    expect(serverAccepts(publicKey.export({ format: "jwk" }) as JsonWebKey, prepared)).toBe(true);
  });
});

describe("device client: sending", () => {
  it("sends what it signed and returns the parsed answer", async () => {
    const key = await generateDeviceKey();
    const server = await startServer((request) =>
      serverAccepts(key.publicKeyJwk, request)
        ? { status: 200, body: { path: request.path, got: JSON.parse(request.body || "null") } }
        : { status: 401, body: { error: "unauthorized", message: "The signature does not match." } },
    );
    const client = createDeviceClient({
      identity: { deviceId: "dev_1", privateKey: key.privateKey },
      baseUrl: server.baseUrl,
    });
    expect(await client.send("POST", "/api/v1/accounts?x=1", { label: "alice" })).toEqual({
      path: "/api/v1/accounts?x=1",
      got: { label: "alice" },
    });
    expect(await client.send("GET", "/api/v1/devices/me")).toEqual({ path: "/api/v1/devices/me", got: null });
    expect(server.received.map((request) => request.headers[SIGNATURE_HEADERS.device])).toEqual(["dev_1", "dev_1"]);
  });

  it("throws the server's status, error code and message; request() returns them instead", async () => {
    const key = await generateDeviceKey();
    const server = await startServer(() => ({
      status: 409,
      body: { error: "already_answered", message: "Answered on Pixel." },
    }));
    const client = createDeviceClient({ identity: { privateKey: key.privateKey }, baseUrl: server.baseUrl });
    const error = await client.send("POST", "/api/v1/approvals/r1/answer", { decision: "deny" }).catch((e) => e);
    expect(error).toBeInstanceOf(DeviceApiError);
    expect(error).toMatchObject({
      status: 409,
      code: "already_answered",
      serverMessage: "Answered on Pixel.",
      message: "409 already_answered: Answered on Pixel.",
    });
    const reply = await client.request("POST", "/api/v1/approvals/r1/answer", { decision: "deny" });
    expect(reply).toMatchObject({ status: 409, body: { error: "already_answered" } });
  });

  it("names an answer without an error body by its status", async () => {
    const key = await generateDeviceKey();
    const server = await startServer(() => ({ status: 502 }));
    const client = createDeviceClient({ identity: { privateKey: key.privateKey }, baseUrl: server.baseUrl });
    await expect(client.send("GET", "/api/v1/devices/me")).rejects.toMatchObject({ status: 502, code: "http_502" });
  });

  it("sends a prepared call unchanged, twice if asked: the same nonce both times", async () => {
    const key = await generateDeviceKey();
    const server = await startServer(() => ({ status: 200, body: {} }));
    const client = createDeviceClient({ identity: { privateKey: key.privateKey }, baseUrl: server.baseUrl });
    const prepared: PreparedDeviceRequest = await client.prepare("PATCH", "/api/v1/devices/me", { name: "Once" });
    await client.dispatch(prepared);
    await client.dispatch({ ...prepared, body: '{"name":"Twice"}' });
    const [first, second] = server.received;
    expect(second?.headers[SIGNATURE_HEADERS.nonce]).toBe(first?.headers[SIGNATURE_HEADERS.nonce]);
    expect(serverAccepts(key.publicKeyJwk, first as Received)).toBe(true);
    expect(serverAccepts(key.publicKeyJwk, second as Received)).toBe(false);
  });

  it("fails with offline when no server answers, and not_paired without an identity", async () => {
    const key = await generateDeviceKey();
    const offline = createDeviceClient({ identity: { privateKey: key.privateKey }, baseUrl: "http://127.0.0.1:1" });
    await expect(offline.send("GET", "/api/v1/devices/me")).rejects.toMatchObject({ status: 0, code: "offline" });
    const unpaired = createDeviceClient({ identity: async () => undefined, baseUrl: "http://127.0.0.1:1" });
    await expect(unpaired.prepare("GET", "/api/v1/devices/me")).rejects.toMatchObject({ code: "not_paired" });
  });
});
