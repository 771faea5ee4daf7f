import { getEventListeners } from "node:events";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../testing/startTestApp.js";
import { send, TestDevice } from "../testing/TestDevice.js";

// Found by the 10,000-waiting benchmark (bench/src/benchmarks/waiting.ts):
// every CI call combined its signal with the server's shutdown signal through
// AbortSignal.any, which on Node 20 leaves an entry on the shutdown signal
// forever — memory that grows with every call the server ever answers.
let app: TestApp;
let phone: TestDevice;
let token: string;
beforeAll(async () => {
  app = await startTestApp({
    logLevel: "warn",
    config: { maxPendingPerLink: 100, maxRequestsPerLinkPerHour: 1000, maxCallsPerAddressPerMinute: 1000 },
  });
  phone = await TestDevice.pair(app.url, { setupCode: app.setupCode });
  const account = (await phone.call<{ id: string }>("POST", "/api/v1/accounts", { issuer: "npm", label: "s" })).body;
  token = (await phone.call<{ token: string }>("POST", `/api/v1/accounts/${account.id}/links`, { name: "s" })).body
    .token;
});
afterAll(() => app.close());

/** What a finished call may have left attached to the shutdown signal. */
function attached(signal: AbortSignal): number {
  const dependants = Object.getOwnPropertySymbols(signal).find((s) => s.description === "kDependantSignals");
  const set = dependants ? (signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants] : undefined;
  return getEventListeners(signal, "abort").length + (set?.size ?? 0);
}

it("finished CI calls leave nothing attached to the server's shutdown signal", async () => {
  const before = attached(app.shutdown.signal);
  for (let i = 0; i < 20; i++) {
    const reply = await send(`${app.url}/api/v1/otp/${token}?wait=0`, { headers: { "idempotency-key": "same" } });
    expect(reply.status).toBe(408);
  }
  expect(attached(app.shutdown.signal) - before).toBe(0);
});

it("50 CI calls waiting at once print no MaxListenersExceededWarning and attach one listener to the shutdown signal", async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  const pendingBefore = (await phone.call<unknown[]>("GET", "/api/v1/approvals")).body.length;
  const clients = Array.from({ length: 50 }, () => new AbortController());
  const calls = clients.map((client) =>
    fetch(`${app.url}/api/v1/otp/${token}?wait=60`, { method: "POST", signal: client.signal }).then(
      (response) => response.status,
      () => "aborted",
    ),
  );
  try {
    await expect
      .poll(async () => (await phone.call<unknown[]>("GET", "/api/v1/approvals")).body.length, { timeout: 10_000 })
      .toBe(pendingBefore + 50);
    // Node emits the warning on the next tick after the 11th listener.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(warnings.filter((w) => w.includes("MaxListenersExceeded"))).toEqual([]);
    expect(attached(app.shutdown.signal)).toBeLessThanOrEqual(1);
  } finally {
    for (const client of clients) client.abort();
    process.off("warning", onWarning);
  }
  expect(await Promise.all(calls)).toEqual(calls.map(() => "aborted"));
  // The server still answers calls after the clients went away.
  const reply = await send(`${app.url}/api/v1/otp/${token}?wait=0`);
  expect(reply.status).toBe(408);
});

it("a shutdown still answers a waiting CI call at once with 408 and its request id", async () => {
  const pendingBefore = (await phone.call<unknown[]>("GET", "/api/v1/approvals")).body.length;
  const waiting = send<{ error: string; requestId?: string }>(`${app.url}/api/v1/otp/${token}?wait=60`);
  await expect
    .poll(async () => (await phone.call<unknown[]>("GET", "/api/v1/approvals")).body.length, { timeout: 5000 })
    .toBe(pendingBefore + 1);
  const started = Date.now();
  app.shutdown.abort();
  const reply = await waiting;
  expect(reply.status).toBe(408);
  expect(reply.body.requestId).toBeTruthy();
  expect(Date.now() - started).toBeLessThan(5000);
});
