import type { ApprovalView, CreatedLink } from "@countersign/shared";
import { describe, expect, it } from "vitest";
import { type Config, ConfigError, loadConfig, parsePort } from "./config.js";
import { appSuite } from "./testing/appSuite.js";
import { send, TestDevice } from "./testing/TestDevice.js";

/**
 * Every setting of docs/server.md that config.ts reads: each valid form and
 * what it becomes, each invalid form refused with an error naming the
 * setting (the server prints it and does not start: main.test.ts), and, for
 * the settings whose effect no other test shows, the effect.
 */
const DEFAULTS = { publicUrl: "http://localhost:8080", version: "test" };
const load = (env: Record<string, string>) => loadConfig(env, DEFAULTS);

type Valid = [name: string, value: string | undefined, field: keyof Config, expected: unknown];
const VALID: Valid[] = [
  ["COUNTERSIGN_PUBLIC_URL", undefined, "publicUrl", "http://localhost:8080"],
  ["COUNTERSIGN_PUBLIC_URL", "https://otp.example.com", "publicUrl", "https://otp.example.com"],
  ["COUNTERSIGN_PUBLIC_URL", "https://otp.example.com/", "publicUrl", "https://otp.example.com"],
  ["COUNTERSIGN_PUBLIC_URL", "http://10.0.0.5:8080", "publicUrl", "http://10.0.0.5:8080"],
  ["COUNTERSIGN_MAX_WAIT", undefined, "maxWaitSeconds", 300],
  ["COUNTERSIGN_MAX_WAIT", "1", "maxWaitSeconds", 1],
  ["COUNTERSIGN_MAX_WAIT", "3600", "maxWaitSeconds", 3600],
  ["COUNTERSIGN_REQUEST_TTL", undefined, "requestTtlSeconds", 600],
  ["COUNTERSIGN_REQUEST_TTL", "30", "requestTtlSeconds", 30],
  ["COUNTERSIGN_REQUEST_TTL", "86400", "requestTtlSeconds", 86_400],
  ["COUNTERSIGN_MAX_PENDING_PER_LINK", undefined, "maxPendingPerLink", 3],
  ["COUNTERSIGN_MAX_PENDING_PER_LINK", "1000", "maxPendingPerLink", 1000],
  ["COUNTERSIGN_MAX_REQUESTS_PER_HOUR", undefined, "maxRequestsPerLinkPerHour", 30],
  ["COUNTERSIGN_MAX_REQUESTS_PER_HOUR", "1", "maxRequestsPerLinkPerHour", 1],
  ["COUNTERSIGN_MAX_CALLS_PER_MINUTE", undefined, "maxCallsPerAddressPerMinute", 60],
  ["COUNTERSIGN_MAX_CALLS_PER_MINUTE", "100000", "maxCallsPerAddressPerMinute", 100_000],
  ["COUNTERSIGN_MAX_CONNECTIONS", undefined, "maxConnections", 15_000],
  ["COUNTERSIGN_MAX_CONNECTIONS", "1", "maxConnections", 1],
  ["COUNTERSIGN_MAX_CONNECTIONS_PER_ADDRESS", undefined, "maxConnectionsPerAddress", 1000],
  ["COUNTERSIGN_MAX_CONNECTIONS_PER_ADDRESS", "0", "maxConnectionsPerAddress", 0],
  ["COUNTERSIGN_PUSH_ALLOW", undefined, "pushAllow", []],
  [
    "COUNTERSIGN_PUSH_ALLOW",
    "Push.Internal.example, 127.0.0.1:4000",
    "pushAllow",
    ["push.internal.example", "127.0.0.1:4000"],
  ],
  ["COUNTERSIGN_VAPID_SUBJECT", undefined, "vapidSubject", "mailto:countersign@example.invalid"],
  ["COUNTERSIGN_VAPID_SUBJECT", "mailto:me@example.com", "vapidSubject", "mailto:me@example.com"],
  ["COUNTERSIGN_VAPID_SUBJECT", "https://example.com/contact", "vapidSubject", "https://example.com/contact"],
  ["COUNTERSIGN_TRUST_PROXY", undefined, "trustProxy", false],
  ["COUNTERSIGN_TRUST_PROXY", "false", "trustProxy", false],
  ["COUNTERSIGN_TRUST_PROXY", "1", "trustProxy", 1],
  ["COUNTERSIGN_TRUST_PROXY", "loopback", "trustProxy", "loopback"],
  ["COUNTERSIGN_TRUST_PROXY", "loopback, 10.0.0.0/8, fd00::/8", "trustProxy", "loopback, 10.0.0.0/8, fd00::/8"],
];

const INVALID: [name: string, value: string][] = [
  ["COUNTERSIGN_PUBLIC_URL", "otp.example.com"],
  ["COUNTERSIGN_PUBLIC_URL", "ftp://otp.example.com"],
  ...(
    [
      ["COUNTERSIGN_MAX_WAIT", "0", "3601"],
      ["COUNTERSIGN_REQUEST_TTL", "29", "86401"],
      ["COUNTERSIGN_MAX_PENDING_PER_LINK", "0", "1001"],
      ["COUNTERSIGN_MAX_REQUESTS_PER_HOUR", "0", "100001"],
      ["COUNTERSIGN_MAX_CALLS_PER_MINUTE", "0", "100001"],
      ["COUNTERSIGN_MAX_CONNECTIONS", "0", "1000001"],
      ["COUNTERSIGN_MAX_CONNECTIONS_PER_ADDRESS", "-1", "1000001"],
    ] as const
  ).flatMap(([name, below, above]): [string, string][] => [
    [name, below],
    [name, above],
    [name, "ten"],
    [name, "1.5"],
  ]),
  ["COUNTERSIGN_VAPID_SUBJECT", "me@example.com"],
  ["COUNTERSIGN_VAPID_SUBJECT", "http://example.com"],
  ["COUNTERSIGN_VAPID_SUBJECT", "mailto:"],
  ["COUNTERSIGN_TRUST_PROXY", "yes"],
  // Would believe any X-Forwarded-For (issue 18): refused with the forms to use instead.
  ["COUNTERSIGN_TRUST_PROXY", "true"],
  ["COUNTERSIGN_TRUST_PROXY", "11"],
  ["COUNTERSIGN_TRUST_PROXY", "10.0.0.0/33"],
  ["COUNTERSIGN_TRUST_PROXY", "loopback,proxy.internal"],
];

describe("settings (docs/server.md)", () => {
  it.each(VALID)("%s=%s gives %s = %j", (name, value, field, expected) => {
    expect(load(value === undefined ? {} : { [name]: value })[field]).toEqual(expected);
  });

  it.each(INVALID)("%s=%s is refused with an error naming it", (name, value) => {
    expect(() => load({ [name]: value })).toThrow(ConfigError);
    expect(() => load({ [name]: value })).toThrow(name);
  });

  it("the VAPID subject defaults to the public URL when it is https and not localhost", () => {
    expect(load({ COUNTERSIGN_PUBLIC_URL: "https://otp.example.com" }).vapidSubject).toBe("https://otp.example.com");
    expect(load({ COUNTERSIGN_PUBLIC_URL: "https://localhost:8443" }).vapidSubject).toBe(
      "mailto:countersign@example.invalid",
    );
  });

  it.each([
    [undefined, 8080],
    ["1", 1],
    ["65535", 65535],
  ])("PORT=%s gives %i", (raw, port) => {
    expect(parsePort(raw)).toBe(port);
  });

  it.each(["0", "65536", "http", "80.5"])("PORT=%s is refused with an error naming it", (raw) => {
    expect(() => parsePort(raw)).toThrow(/^PORT must be/);
  });
});

describe("the effect of settings no other test shows", () => {
  const suite = appSuite();

  /** A paired, push-subscribed device with a link, on an app started with `env`'s settings. */
  async function start(env: Record<string, string>) {
    const config = loadConfig(env, { publicUrl: "http://localhost:1", version: "test" });
    const app = await suite.start({ config: { ...config, pushAllow: [new URL(suite.push.origin).host] } });
    const device = await TestDevice.pair(app.url, { setupCode: app.setupCode });
    const subscription = suite.push.createSubscription();
    await device.call("PUT", "/api/v1/devices/me/push", subscription);
    const account = (await device.call<{ id: string }>("POST", "/api/v1/accounts", { issuer: "npm", label: "a" })).body;
    const link = (await device.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, { name: "CI" })).body;
    return { app, device, subscription, token: link.token };
  }

  async function askAndRead(
    started: Awaited<ReturnType<typeof start>>,
    headers: Record<string, string> = {},
  ): Promise<ApprovalView> {
    const reply = await send<{ requestId: string }>(`${started.app.url}/api/v1/otp?wait=0`, {
      method: "POST",
      headers: { authorization: `Bearer ${started.token}`, accept: "application/json", ...headers },
    });
    expect(reply.status).toBe(408);
    const approval = (await started.device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body.find(
      (a) => a.id === reply.body.requestId,
    );
    if (!approval) throw new Error("the request is not pending");
    return approval;
  }

  it("COUNTERSIGN_TRUST_PROXY: the requester's address comes from X-Forwarded-For only when set", async () => {
    const forwarded = { "x-forwarded-for": "203.0.113.77" };
    const direct = await start({});
    expect((await askAndRead(direct, forwarded)).requester.ip).not.toBe("203.0.113.77");
    await direct.app.close();
    const proxied = await start({ COUNTERSIGN_TRUST_PROXY: "loopback" });
    expect((await askAndRead(proxied, forwarded)).requester.ip).toBe("203.0.113.77");
  });

  it("COUNTERSIGN_REQUEST_TTL: how long a request stays answerable, and the push's TTL", async () => {
    const started = await start({ COUNTERSIGN_REQUEST_TTL: "45" });
    const approval = await askAndRead(started);
    expect(approval.expiresAt - approval.createdAt).toBe(45_000);
    const message = await suite.push.waitForMessage(
      (m) =>
        m.endpoint === started.subscription.endpoint && (m.payload as { requestId?: string }).requestId === approval.id,
    );
    expect(message.ttl).toBe(45);
  });

  it("COUNTERSIGN_VAPID_SUBJECT: the contact the push service sees in the VAPID token", async () => {
    const started = await start({ COUNTERSIGN_VAPID_SUBJECT: "mailto:ops@example.com" });
    const approval = await askAndRead(started);
    const message = await suite.push.waitForMessage(
      (m) =>
        m.endpoint === started.subscription.endpoint && (m.payload as { requestId?: string }).requestId === approval.id,
    );
    expect(message.vapidSubject).toBe("mailto:ops@example.com");
  });
});
