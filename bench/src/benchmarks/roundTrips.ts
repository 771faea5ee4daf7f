import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Store } from "@countersign/functions/dist/store/Store.js";
import express from "express";
import { startPushService } from "../../../e2e/harness/push-service.js";
import { startRelay } from "../lib/relay.js";
import { roundTrip, runFor, setUpScenario } from "../lib/scenario.js";
import { percentile } from "../lib/stats.js";

/** Limits raised so the load generator (one address, one link) measures the relay, not its rate limits. */
export const BENCH_LIMITS = {
  maxPendingPerLink: 1000,
  maxRequestsPerLinkPerHour: 100_000,
  maxCallsPerAddressPerMinute: 100_000,
};

/** A plain express "hello" endpoint: the machine's ceiling for one HTTP exchange in this process. */
export async function startHello(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.get("/hello", (_req, res) => {
    res.send("hello");
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hello`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ThroughputRun {
  helloPerSecond: number;
  roundTripsPerSecond: number;
  ratio: number;
}

export interface RoundTripResults {
  runs: ThroughputRun[];
  /** Approve-to-delivery latencies of sequential round trips (an idle relay), ms. */
  latency: { samples: number; p50: number; p99: number; max: number };
  /** Full CI-request-to-code latencies of the same sequential round trips, ms. */
  total: { p50: number; p99: number };
}

/**
 * Full round trips per second against the real relay and push service, next
 * to "hello" requests per second, `runs` times alternately; then `sequential`
 * round trips one at a time for the approve-to-delivery latency.
 */
export async function benchRoundTrips(options: {
  runs: number;
  durationMs: number;
  concurrency: number;
  sequential: number;
  store?: () => Promise<Store>;
  log?: (line: string) => void;
}): Promise<RoundTripResults> {
  const push = await startPushService();
  const relay = await startRelay({
    config: BENCH_LIMITS,
    pushAllow: [new URL(push.origin).host],
    ...(options.store ? { store: options.store } : {}),
  });
  const hello = await startHello();
  try {
    const scenario = await setUpScenario(relay.url, relay.setupCode, push);
    // Warm-up: JIT, connection pools, SQLite page cache.
    await runFor(1000, options.concurrency, () => roundTrip(scenario, push));
    await runFor(500, options.concurrency, async () => (await fetch(hello.url)).text());
    const runs: ThroughputRun[] = [];
    for (let run = 0; run < options.runs; run++) {
      const h = await runFor(options.durationMs, options.concurrency, async () => (await fetch(hello.url)).text());
      const r = await runFor(options.durationMs, options.concurrency, () => roundTrip(scenario, push));
      const entry = {
        helloPerSecond: h.perSecond,
        roundTripsPerSecond: r.perSecond,
        ratio: r.perSecond / h.perSecond,
      };
      options.log?.(
        `  run ${run + 1}: hello ${entry.helloPerSecond.toFixed(0)}/s, round trips ${entry.roundTripsPerSecond.toFixed(1)}/s (${(entry.ratio * 100).toFixed(1)}%)`,
      );
      runs.push(entry);
    }
    const approve: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < options.sequential; i++) {
      const trip = await roundTrip(scenario, push);
      approve.push(trip.approveToDelivery);
      total.push(trip.total);
    }
    if (relay.problems.length) throw new Error(`the relay logged problems:\n${relay.problems.join("\n")}`);
    return {
      runs,
      latency: {
        samples: approve.length,
        p50: percentile(approve, 50),
        p99: percentile(approve, 99),
        max: Math.max(...approve),
      },
      total: { p50: percentile(total, 50), p99: percentile(total, 99) },
    };
  } finally {
    await hello.close();
    await relay.close();
    await push.close();
  }
}
