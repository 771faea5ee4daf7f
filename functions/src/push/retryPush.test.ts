import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import webpush from "web-push";
import { type PushService, startPushService } from "../../../e2e/harness/push-service.js";
import { notifyDevices } from "../domain/notifyDevices.js";
import { createLogger } from "../logger.js";
import { SqliteStore } from "../store/SqliteStore.js";
import { APPROVAL_PAYLOAD } from "../testing/approvalPayload.js";
import { createWebPushSender, parseRetryAfter } from "./PushSender.js";

const payload = APPROVAL_PAYLOAD;

/**
 * A push service that answers the scripted failures first ("reset" drops the
 * connection), then accepts (201) a VAPID-signed aes128gcm message. (That the
 * sender's messages verify and decrypt is proven against the real local push
 * service in pushService.test.ts; its audience check forbids a proxy here.)
 */
let upstream: PushService;
let accepted: { authorization: string; encoding: string; bytes: number }[] = [];
let server: Server;
let origin: string;
let script: (number | "reset" | { status: number; retryAfter: string })[] = [];
/** When each attempt reached the push service, on the injected clock. */
let attempts: number[] = [];
/** The injected clock: sleeping advances it at once, so retries take no real time. */
let clockMs = 0;
const clock = {
  now: () => clockMs,
  sleep: async (ms: number) => {
    clockMs += ms;
  },
};
let authorizations: string[] = [];

beforeAll(async () => {
  upstream = await startPushService();
  server = createServer(async (req, res) => {
    attempts.push(clockMs);
    authorizations.push(String(req.headers.authorization));
    const step = script.shift();
    if (step === "reset") return req.socket.destroy();
    if (typeof step === "number") return res.writeHead(step).end();
    if (step) return res.writeHead(step.status, { "retry-after": step.retryAfter }).end();
    let bytes = 0;
    for await (const chunk of req) bytes += (chunk as Buffer).length;
    accepted.push({
      authorization: String(req.headers.authorization),
      encoding: String(req.headers["content-encoding"]),
      bytes,
    });
    res.writeHead(201).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await upstream.close();
});

let dir: string;
let store: SqliteStore;
let logs: string[];
beforeEach(() => {
  script = [];
  accepted = [];
  attempts = [];
  clockMs = 1_000_000;
  authorizations = [];
  logs = [];
  dir = mkdtempSync(join(tmpdir(), "countersign-retry-"));
  store = SqliteStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const vapid = webpush.generateVAPIDKeys();
const sender = () =>
  createWebPushSender({
    vapid,
    subject: "mailto:test@example.com",
    ttlSeconds: 600,
    pushAllow: [new URL(upstream.origin).host, new URL(origin).host],
  });

/** A device subscribed (real keys) at the scripted push service. */
async function deviceWithSubscription() {
  const real = upstream.createSubscription();
  const subscription = { ...real, endpoint: real.endpoint.replace(upstream.origin, origin) };
  await store.createDevice({
    id: "d1",
    name: "Phone",
    publicKey: { kty: "EC", crv: "P-256", x: "x", y: "y" },
    createdAt: 0,
    lastSeenAt: null,
    push: subscription,
  });
  return { real, subscription };
}

async function notify(push = sender()) {
  const retries: Promise<void>[] = [];
  const deps = { store, push, log: createLogger("debug", (_level, line) => logs.push(line)) };
  await notifyDevices(deps, ["d1"], payload, { retries, retry: { delaysMs: [100, 300], maxTotalMs: 2000, clock } });
  const attemptsWhenReturned = attempts.length;
  await Promise.all(retries);
  return { attemptsWhenReturned, retried: retries.length > 0 };
}

describe("failed pushes are retried in the background", () => {
  it("retries a 503 and a dropped connection; the message is accepted; CI's call is not held up", async () => {
    await deviceWithSubscription();
    script = [503, "reset"];
    const { attemptsWhenReturned, retried } = await notify();
    expect(retried).toBe(true);
    // notifyDevices returned after the first attempt, before any retry.
    expect(attemptsWhenReturned).toBe(1);
    expect(attempts).toHaveLength(3);
    expect((attempts[1] ?? Number.NaN) - (attempts[0] ?? Number.NaN)).toBe(100);
    expect((attempts[2] ?? Number.NaN) - (attempts[1] ?? Number.NaN)).toBe(300);
    expect(accepted).toEqual([
      { authorization: expect.stringMatching(/^vapid t=/), encoding: "aes128gcm", bytes: expect.any(Number) },
    ]);
    expect(logs.some((line) => line.includes('"msg":"push sent"') && line.includes('"retries":2'))).toBe(true);
    expect((await store.getDevice("d1"))?.push).not.toBeNull();
  });

  it("waits as long as a 429's Retry-After asks", async () => {
    await deviceWithSubscription();
    script = [{ status: 429, retryAfter: "1" }];
    await notify();
    expect(attempts).toHaveLength(2);
    expect((attempts[1] ?? Number.NaN) - (attempts[0] ?? Number.NaN)).toBe(1000);
    expect(accepted).toHaveLength(1);
  });

  it("gives up when Retry-After is beyond the cap, and after the last retry; logs the failure", async () => {
    await deviceWithSubscription();
    script = [{ status: 503, retryAfter: "60" }];
    await notify();
    expect(attempts).toHaveLength(1);
    script = [500, 502, 504];
    await notify();
    expect(attempts).toHaveLength(4);
    expect(logs.filter((line) => line.includes('"msg":"push failed"'))).toHaveLength(2);
    expect((await store.getDevice("d1"))?.push).not.toBeNull();
  });

  it("does not retry a 400; a 410 on a retry still removes the subscription", async () => {
    await deviceWithSubscription();
    script = [400];
    expect((await notify()).retried).toBe(false);
    expect(attempts).toHaveLength(1);
    script = [503, 410];
    await notify();
    expect(attempts).toHaveLength(3);
    expect((await store.getDevice("d1"))?.push).toBeNull();
  });
});

describe("VAPID", () => {
  it("signs one JWT per push service and reuses it, valid for 12 h", async () => {
    await deviceWithSubscription();
    const push = sender();
    await notify(push);
    await notify(push);
    expect(authorizations).toHaveLength(2);
    expect(authorizations[0]).toBe(authorizations[1]);
    const jwt = /t=([^,\s]+)/.exec(authorizations[0] ?? "")?.[1] ?? "";
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString());
    expect(claims.aud).toBe(origin);
    expect(claims.exp - Date.now() / 1000).toBeGreaterThan(11.9 * 3600);
    expect(claims.exp - Date.now() / 1000).toBeLessThanOrEqual(12 * 3600);
  });

  it("reads Retry-After as seconds or a date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
