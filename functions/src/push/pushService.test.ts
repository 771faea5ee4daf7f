import { importJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import { type PushService, startPushService } from "../../../e2e/harness/push-service.js";
import { APPROVAL_PAYLOAD } from "../testing/approvalPayload.js";
import { createWebPushSender } from "./PushSender.js";
import { validatePushEndpoint } from "./validatePushEndpoint.js";

const payload = APPROVAL_PAYLOAD;

let service: PushService;
beforeAll(async () => {
  service = await startPushService();
});
afterAll(async () => {
  await service.close();
});

function sender(vapid = webpush.generateVAPIDKeys()) {
  return createWebPushSender({
    vapid,
    subject: "mailto:test@example.com",
    ttlSeconds: 600,
    pushAllow: [new URL(service.origin).host],
  });
}

describe("local push service (e2e/harness/push-service.ts) with the relay's sender", () => {
  it("accepts a VAPID-signed, encrypted push and decrypts it", async () => {
    const subscription = service.createSubscription();
    const keys = webpush.generateVAPIDKeys();
    expect(await sender(keys).send(subscription, payload)).toEqual({ ok: true });
    const message = await service.waitForMessage((m) => m.endpoint === subscription.endpoint);
    expect(message.payload).toEqual(payload);
    expect(message.body).toBe(JSON.stringify(payload));
    expect(message).toMatchObject({ ttl: 600, urgency: "high", vapidPublicKey: keys.publicKey });
  });

  it("refuses a signature by another key than the one announced", async () => {
    const subscription = service.createSubscription();
    const signer = webpush.generateVAPIDKeys();
    const announced = webpush.generateVAPIDKeys();
    const details = webpush.generateRequestDetails(subscription, JSON.stringify(payload), {
      vapidDetails: { subject: "mailto:test@example.com", ...signer },
      contentEncoding: "aes128gcm",
    });
    const authorization = String(details.headers.Authorization).replace(/k=[^,\s]+/, `k=${announced.publicKey}`);
    const response = await fetch(details.endpoint, {
      method: "POST",
      headers: { ...(details.headers as Record<string, string>), Authorization: authorization },
      body: new Uint8Array(details.body as Buffer),
    });
    expect(response.status).toBe(403);
    const unsigned = await fetch(details.endpoint, { method: "POST", body: new Uint8Array(details.body as Buffer) });
    expect(unsigned.status).toBe(401);
    expect(service.messages.filter((m) => m.endpoint === subscription.endpoint)).toHaveLength(0);
  });

  it("refuses a JWT for another audience", async () => {
    const subscription = service.createSubscription();
    const keys = webpush.generateVAPIDKeys();
    const headers = webpush.getVapidHeaders(
      "https://fcm.googleapis.com",
      "mailto:test@example.com",
      keys.publicKey,
      keys.privateKey,
      "aes128gcm",
    );
    const details = webpush.generateRequestDetails(subscription, "x", {
      vapidDetails: { subject: "mailto:test@example.com", ...keys },
      contentEncoding: "aes128gcm",
    });
    const response = await fetch(details.endpoint, {
      method: "POST",
      headers: { ...(details.headers as Record<string, string>), Authorization: headers.Authorization },
      body: new Uint8Array(details.body as Buffer),
    });
    expect(response.status).toBe(403);
  });

  it("answers 410 for an expired subscription and 404 for an unknown one, which the sender reports as gone", async () => {
    const subscription = service.createSubscription();
    service.expire(subscription.endpoint);
    expect(await sender().send(subscription, payload)).toEqual({ ok: false, gone: true, status: 410 });
    const unknown = { ...subscription, endpoint: `${service.origin}/push/unknown` };
    expect(await sender().send(unknown, payload)).toEqual({ ok: false, gone: true, status: 404 });
  });

  it("the sender never posts to an endpoint that fails validation", async () => {
    const subscription = { ...service.createSubscription() };
    const strict = createWebPushSender({
      vapid: webpush.generateVAPIDKeys(),
      subject: "mailto:test@example.com",
      ttlSeconds: 60,
      pushAllow: [],
    });
    const result = await strict.send(subscription, payload);
    expect(result).toMatchObject({ ok: false, gone: false });
    expect(service.messages.filter((m) => m.endpoint === subscription.endpoint)).toHaveLength(0);
  });
});

/** A VAPID `Authorization` header signed with `keys`, with the claims given (the defaults are valid ones). */
async function vapidHeader(
  keys: { publicKey: string; privateKey: string },
  claims: { aud?: string; exp?: number; sub?: string } = {},
): Promise<string> {
  const point = Buffer.from(keys.publicKey, "base64url");
  const key = await importJWK(
    {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33, 65).toString("base64url"),
      d: keys.privateKey,
    },
    "ES256",
  );
  const jwt = await new SignJWT({
    aud: claims.aud ?? service.origin,
    exp: claims.exp ?? Math.floor(Date.now() / 1000) + 3600,
    sub: claims.sub ?? "mailto:test@example.com",
  })
    .setProtectedHeader({ alg: "ES256", typ: "JWT" })
    .sign(key);
  return `vapid t=${jwt}, k=${keys.publicKey}`;
}

/**
 * POSTs a push as a push service receives it: encrypted for `encryptFor`
 * (default: the subscription itself), signed by `keys`, with `headers`
 * overriding or (when undefined) removing the sender's own.
 */
async function post(
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } },
  options: {
    keys?: { publicKey: string; privateKey: string };
    claims?: Parameters<typeof vapidHeader>[1];
    headers?: Record<string, string | undefined>;
    body?: string;
    encryptFor?: { endpoint: string; keys: { p256dh: string; auth: string } };
  } = {},
): Promise<number> {
  const keys = options.keys ?? webpush.generateVAPIDKeys();
  const details = webpush.generateRequestDetails(
    { ...(options.encryptFor ?? subscription), endpoint: subscription.endpoint },
    options.body ?? JSON.stringify(payload),
    { TTL: 60, urgency: "high", contentEncoding: "aes128gcm" },
  );
  const headers: Record<string, string> = { Authorization: await vapidHeader(keys, options.claims) };
  for (const [name, value] of Object.entries(details.headers)) headers[name] = String(value);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    const existing = Object.keys(headers).find((header) => header.toLowerCase() === name.toLowerCase());
    if (existing) delete headers[existing];
    if (value !== undefined) headers[name] = value;
  }
  const response = await fetch(subscription.endpoint, {
    method: "POST",
    headers,
    body: new Uint8Array(details.body as Buffer),
  });
  return response.status;
}

describe("the push service harness refuses what real push services refuse", () => {
  it("a push signed by another key than the subscription's applicationServerKey: 403", async () => {
    const server = webpush.generateVAPIDKeys();
    const subscription = service.createSubscription({ applicationServerKey: server.publicKey });
    expect(await post(subscription, { keys: webpush.generateVAPIDKeys() })).toBe(403);
    expect(await sender().send(subscription, payload)).toMatchObject({
      ok: false,
      reason: "push service answered 403",
    });
    expect(await post(subscription, { keys: server })).toBe(201);
    expect(await sender(server).send(subscription, payload)).toEqual({ ok: true });
  });

  it("a subscription made without a key is bound to the key of its first push", async () => {
    const subscription = service.createSubscription();
    const first = webpush.generateVAPIDKeys();
    expect(await sender(first).send(subscription, payload)).toEqual({ ok: true });
    expect(service.applicationServerKey(subscription.endpoint)).toBe(first.publicKey);
    expect(await post(subscription, { keys: webpush.generateVAPIDKeys() })).toBe(403);
  });

  it("a push without TTL, or with an invalid TTL or Urgency: 400", async () => {
    const subscription = service.createSubscription();
    const keys = webpush.generateVAPIDKeys();
    expect(await post(subscription, { keys, headers: { TTL: undefined } })).toBe(400);
    expect(await post(subscription, { keys, headers: { TTL: "soon" } })).toBe(400);
    expect(await post(subscription, { keys, headers: { Urgency: "urgent" } })).toBe(400);
    expect(await post(subscription, { keys })).toBe(201);
  });

  it("an expired JWT, one expiring more than 24 h ahead, one without sub or for another audience: 403", async () => {
    const subscription = service.createSubscription();
    const keys = webpush.generateVAPIDKeys();
    const now = Math.floor(Date.now() / 1000);
    expect(await post(subscription, { keys, claims: { exp: now - 60 } })).toBe(403);
    expect(await post(subscription, { keys, claims: { exp: now + 24 * 3600 + 120 } })).toBe(403);
    expect(await post(subscription, { keys, claims: { sub: "" } })).toBe(403);
    expect(await post(subscription, { keys, claims: { aud: "https://fcm.googleapis.com" } })).toBe(403);
    expect(await post(subscription, { keys, claims: { exp: now + 23 * 3600 } })).toBe(201);
  });

  it("a body it cannot decrypt with the subscription's keys, or not aes128gcm: 400; over 4096 bytes: 413", async () => {
    const subscription = service.createSubscription();
    const keys = webpush.generateVAPIDKeys();
    expect(await post(subscription, { keys, encryptFor: service.createSubscription() })).toBe(400);
    expect(await post(subscription, { keys, headers: { "Content-Encoding": "aesgcm" } })).toBe(400);
    expect(await post(subscription, { keys, body: "x".repeat(4000) })).toBe(413);
    expect(service.messages.filter((m) => m.endpoint === subscription.endpoint)).toHaveLength(0);
    expect(service.refusals.filter((r) => r.endpoint === subscription.endpoint).map((r) => r.status)).toEqual([
      400, 400, 413,
    ]);
  });
});

describe("validatePushEndpoint", () => {
  it("accepts the browsers' push services over https", () => {
    for (const endpoint of [
      "https://fcm.googleapis.com/fcm/send/abc",
      "https://updates.push.services.mozilla.com/wpush/v2/abc",
      "https://web.push.apple.com/QGx",
      "https://wns2-par02p.notify.windows.com/w/?token=abc",
    ]) {
      expect(validatePushEndpoint(endpoint, []), endpoint).toBeNull();
    }
  });

  it("refuses http, addresses, private names, odd ports and unknown hosts unless allowed", () => {
    for (const endpoint of [
      "http://fcm.googleapis.com/x",
      "https://127.0.0.1/x",
      "https://[::1]/x",
      "https://169.254.169.254/latest",
      "https://localhost/x",
      "https://printer.local/x",
      "https://fcm.googleapis.com:444/x",
      "https://fcm.googleapis.com.evil.com/x",
      "https://user:pw@fcm.googleapis.com/x",
      "not a url",
    ]) {
      expect(validatePushEndpoint(endpoint, []), endpoint).not.toBeNull();
    }
    expect(validatePushEndpoint("http://127.0.0.1:4000/push/x", ["127.0.0.1:4000"])).toBeNull();
    expect(validatePushEndpoint("http://127.0.0.1:4001/push/x", ["127.0.0.1:4000"])).not.toBeNull();
    expect(validatePushEndpoint("https://push.internal.example/x", ["push.internal.example"])).toBeNull();
  });
});
