import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type PushService, startPushService } from "../../../e2e/harness/push-service.js";
import { type Relay, startRelay } from "../lib/relay.js";
import { report } from "../lib/report.js";
import { roundTrip, type Scenario, setUpScenario } from "../lib/scenario.js";
import { percentile } from "../lib/stats.js";

/**
 * Default limits (60 CI calls per address per minute, 3 waiting requests per
 * link, 30 per link per hour). Attackers connect from other loopback
 * addresses (127.0.0.2…) than the legitimate CI (127.0.0.1), as distinct
 * clients on the internet would.
 */
let push: PushService;
let relay: Relay;
beforeAll(async () => {
  push = await startPushService();
  relay = await startRelay({ pushAllow: [new URL(push.origin).host] });
});
afterAll(async () => {
  await relay.close();
  await push.close();
});

function postFrom(agent: Agent, url: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; retryAfter: string | null }>((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers["retry-after"] as string) ?? null }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function attack(
  addresses: string[],
  perAddress: number,
  make: () => { path: string; headers: Record<string, string>; body: string },
) {
  const statuses = new Map<number, number>();
  let missingRetryAfter = 0;
  await Promise.all(
    addresses.map(async (localAddress) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 8, localAddress });
      const one = async () => {
        const { path, headers, body } = make();
        const reply = await postFrom(agent, `${relay.url}${path}`, headers, body);
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (reply.status === 429 && !reply.retryAfter) missingRetryAfter++;
      };
      for (let sent = 0; sent < perAddress; sent += 8) {
        await Promise.all(Array.from({ length: Math.min(8, perAddress - sent) }, one));
      }
      agent.destroy();
    }),
  );
  return { statuses, missingRetryAfter };
}

async function legitimate(scenario: Scenario, count: number) {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) latencies.push((await roundTrip(scenario, push)).total);
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies) };
}

test("token guessing and notification floods hit 429 while every legitimate round trip succeeds (its latency reported)", async () => {
  const scenario = await setUpScenario(relay.url, relay.setupCode, push);
  const floodAccount = await scenario.device.account("flooded");
  const leaked = await scenario.device.link(floodAccount.id, "leaked");
  const baseline = await legitimate(scenario, 15);

  // Token guessing: 2,000 random well-formed tokens from one address.
  const guessing = attack(["127.0.0.2"], 2000, () => ({
    path: "/api/v1/otp",
    headers: { authorization: `Bearer cs_${randomBytes(24).toString("base64url")}` },
    body: "",
  }));
  // Notification flood: a leaked link token hammered from ten addresses.
  const flooders = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 3}`);
  const flood = attack(flooders, 100, () => ({
    path: "/api/v1/otp",
    headers: { authorization: `Bearer ${leaked.token}`, "content-type": "application/json" },
    body: JSON.stringify({ wait: 1, package: { name: "evil", version: "6.6.6" } }),
  }));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const during = await legitimate(scenario, 15);
  const [guessed, flooded] = await Promise.all([guessing, flood]);
  loop.disable();

  const floodNotifications = push.messages.filter((m) => (m.payload as { title?: string }).title?.includes("evil@"));
  const count = (result: typeof guessed, status: number) => result.statuses.get(status) ?? 0;
  report("abuse", {
    guesses: 2000,
    guesses401: count(guessed, 401),
    guesses429: count(guessed, 429),
    floodCalls: 1000,
    flood429: count(flooded, 429),
    floodAccepted: 1000 - count(flooded, 429),
    floodNotifications: floodNotifications.length,
    legitBaselineP50: baseline.p50.toFixed(1),
    legitBaselineP95: baseline.p95.toFixed(1),
    legitDuringP50: during.p50.toFixed(1),
    legitDuringP95: during.p95.toFixed(1),
    legitDuringMax: during.max.toFixed(1),
    eventLoopDelayMaxMs: (loop.max / 1e6).toFixed(0),
    eventLoopDelayP99Ms: (loop.percentile(99) / 1e6).toFixed(0),
  });
  // Guessing: one minute's allowance (60) is answered, everything after is 429 with Retry-After.
  expect(count(guessed, 401)).toBeLessThanOrEqual(60);
  expect(count(guessed, 429)).toBeGreaterThanOrEqual(1940);
  expect(guessed.missingRetryAfter).toBe(0);
  // Flood: the phone is notified at most for the 3 requests a link may have waiting.
  expect(floodNotifications.length).toBeLessThanOrEqual(3);
  expect(count(flooded, 429)).toBeGreaterThanOrEqual(997);
  expect(flooded.missingRetryAfter).toBe(0);
  // Legitimate CI (its own address, its own link) never hit a limit: every round trip succeeded. Its
  // latency is a figure in the report above (docs/reliability.md), not a pass/fail bound: it measures
  // the machine's load as much as the server.
  expect(relay.problems).toEqual([]);
});
