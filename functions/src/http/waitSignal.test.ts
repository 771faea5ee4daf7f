import { getEventListeners } from "node:events";
import { request } from "node:http";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { countHeapObjects } from "../testing/heapObjects.js";
import { startTestApp, type TestApp } from "../testing/startTestApp.js";
import { send, TestDevice } from "../testing/TestDevice.js";

// Found by the 10,000-waiting benchmark (bench/src/benchmarks/waiting.ts):
// every CI call combined its signal with the server's shutdown signal through
// AbortSignal.any, which on Node 20 leaves an entry on the shutdown signal
// forever — memory that grows with every call the server ever answers.
// Checked through public APIs only: the abort listeners on the shutdown signal
// (events.getEventListeners) and what stays reachable after a garbage
// collection (a V8 heap snapshot), not Node's private symbols.
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

/** Abort listeners on the server's shutdown signal. */
const shutdownListeners = () => getEventListeners(app.shutdown.signal, "abort").length;

/**
 * One CI call that ends at once (408: nobody answered within ?wait=0). Sent with
 * node:http, not fetch: Node 20's fetch itself leaves WeakRefs behind per request,
 * in this same process, which would hide the server's own.
 */
async function finishedCall() {
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const call = request(`${app.url}/api/v1/otp/${token}?wait=0`, {
      method: "POST",
      headers: { "idempotency-key": "same" },
      // A connection of its own: a kept-alive one can be closed by the server's keep-alive timeout
      // while a heap snapshot holds this process for seconds, and its reuse then fails (ECONNRESET).
      agent: false,
    });
    call.on("response", (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode));
    });
    call.on("error", reject);
    call.end();
  });
  expect(status).toBe(408);
}

it("finished CI calls leave nothing behind: no listener on the shutdown signal, no wait, no weak reference", async () => {
  // Every waiting call has a CallWait (ciRoutes.ts); AbortSignal.any on Node 20 leaves a
  // WeakRef (and keeps its sources) per call. After the calls end, none may stay reachable.
  const kept = ["CallWait", "WeakRef"] as const;
  for (let i = 0; i < 20; i++) await finishedCall(); // connections, caches and compiled code settle
  const listenersBefore = shutdownListeners();
  const before = await countHeapObjects(kept);
  for (let i = 0; i < 200; i++) await finishedCall();
  expect(shutdownListeners()).toBe(listenersBefore);
  const after = await countHeapObjects(kept);
  // Fewer is fine: what earlier tests' fetch calls left may be collected meanwhile.
  const grown = (name: (typeof kept)[number]) => Math.max(0, after[name] - before[name]);
  expect({ CallWait: grown("CallWait"), WeakRef: grown("WeakRef") }).toEqual({
    CallWait: 0,
    WeakRef: 0,
  });
});

it("50 CI calls waiting at once print no MaxListenersExceededWarning and attach one listener to the shutdown signal", async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  const listenersBefore = shutdownListeners();
  const waits = vi.spyOn(app.store, "waitForAnswer");
  const clients = Array.from({ length: 50 }, () => new AbortController());
  const calls = clients.map((client) =>
    fetch(`${app.url}/api/v1/otp/${token}?wait=60`, { method: "POST", signal: client.signal }).then(
      (response) => response.status,
      () => "aborted",
    ),
  );
  try {
    // Each call's signal is made before its wait starts; Node reports too many
    // listeners on the next tick, before the next poll runs.
    await expect.poll(() => waits.mock.calls.length, { timeout: 10_000 }).toBe(50);
    expect(warnings.filter((w) => w.includes("MaxListenersExceeded"))).toEqual([]);
    expect(shutdownListeners()).toBeLessThanOrEqual(1);
    // The heap snapshot sees a CallWait per waiting call: the count above is of the right objects.
    expect((await countHeapObjects(["CallWait"])).CallWait).toBeGreaterThanOrEqual(50);
  } finally {
    waits.mockRestore();
    for (const client of clients) client.abort();
    process.off("warning", onWarning);
  }
  expect(await Promise.all(calls)).toEqual(calls.map(() => "aborted"));
  // The server still answers calls after the clients went away, and their waits
  // left no listener behind.
  await finishedCall();
  expect(shutdownListeners()).toBe(listenersBefore);
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
