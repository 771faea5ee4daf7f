import type { PushPayload } from "@countersign/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import { type PushService, startPushService } from "../../../e2e/harness/push-service.js";
import { createWebPushSender } from "./PushSender.js";
import { validatePushEndpoint } from "./validatePushEndpoint.js";

const payload: PushPayload = {
  v: 1,
  type: "approval",
  requestId: "r1",
  accountId: "a1",
  title: "Countersign",
  body: "Publish foo@1.2.3?",
  expiresAt: 1,
};

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
