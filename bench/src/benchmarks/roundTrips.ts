import { rmSync } from "node:fs";
import type { Store } from "@countersign/functions/dist/store/Store.js";
import { type PushService, startPushService } from "../../../e2e/harness/push-service.js";
import { type CpuShare, cpuMeter } from "../lib/cpu.js";
import { forkServer } from "../lib/forkServer.js";
import { startRelay } from "../lib/relay.js";
import { roundTrip, runFor, type Scenario, setUpScenario } from "../lib/scenario.js";
import { startServerProcess } from "../lib/serverProcess.js";
import { percentile } from "../lib/stats.js";

/** Limits raised so the load generator (one address, a few links) measures the relay, not its rate limits. */
export const BENCH_LIMITS = {
  maxPendingPerLink: 1000,
  maxRequestsPerLinkPerHour: 100_000,
  maxCallsPerAddressPerMinute: 100_000,
};

/** The relay a round-trip benchmark drives. */
export interface RelayUnderTest {
  url: string;
  setupCode: string;
  /** Its own process (its CPU is counted apart), or null when it runs in the benchmark's process. */
  pid: number | null;
  /** Lines it logged at warn or error (a 500 shows up here as "unexpected error"). */
  problems(): string[];
  close(): Promise<void>;
}

/** Starts the relay to benchmark; `push` is the local push service it must be allowed to send to. */
export type RelayFactory = (push: PushService) => Promise<RelayUnderTest>;

/** The real standalone server process over SQLite (functions/dist/standalone/main.js), as in production. */
export const relayProcess: RelayFactory = async (push) => {
  const server = await startServerProcess({
    env: {
      COUNTERSIGN_PUSH_ALLOW: new URL(push.origin).host,
      COUNTERSIGN_MAX_PENDING_PER_LINK: String(BENCH_LIMITS.maxPendingPerLink),
      COUNTERSIGN_MAX_REQUESTS_PER_HOUR: String(BENCH_LIMITS.maxRequestsPerLinkPerHour),
      COUNTERSIGN_MAX_CALLS_PER_MINUTE: String(BENCH_LIMITS.maxCallsPerAddressPerMinute),
    },
  });
  return {
    url: server.origin,
    setupCode: server.setupCode,
    pid: server.pid(),
    problems: () => server.logs().match(/^\{.*"level":"(warn|error)".*$/gm) ?? [],
    async close() {
      await server.stop();
      rmSync(server.dataDir, { recursive: true, force: true });
    },
  };
};

/** The relay (createApp) inside the benchmark's process, over the given store: it shares a core with the load. */
export function relayInProcess(store: () => Promise<Store>): RelayFactory {
  return async (push) => {
    const relay = await startRelay({ config: BENCH_LIMITS, pushAllow: [new URL(push.origin).host], store });
    return {
      url: relay.url,
      setupCode: relay.setupCode,
      pid: null,
      problems: () => relay.problems,
      close: relay.close,
    };
  };
}

/** The plain express "hello" endpoint in its own process (lib/helloServer.ts): one HTTP exchange's ceiling. */
export async function startHelloProcess(): Promise<{ url: string; pid: number; close(): Promise<void> }> {
  const hello = await forkServer("./helloServer.js");
  return { url: `${hello.origin}/hello`, pid: hello.pid, close: hello.close };
}

/**
 * A young-generation collection of this process (the load generator: CI clients,
 * phone, push service), run between two sequential round trips so that none of
 * its own pauses lands inside an approve → delivery window — traced on
 * 2026-12-07, its scavenges took 10–13 ms and sat in half of the slowest
 * windows of 1,000 (docs/benchmarks.md, "walsync"). Only with the relay in its
 * own process: in this one it would take the relay's pauses out of the figure
 * too. Undefined when this process runs without `--expose-gc` (npm run bench sets it).
 */
function loadGeneratorCollection(relayApart: boolean): (() => void) | undefined {
  const gc = (globalThis as { gc?: (options: { type: "minor" }) => void }).gc;
  return relayApart && gc ? () => gc({ type: "minor" }) : undefined;
}

/** One throughput measurement with the CPU each side used meanwhile. */
export interface Measurement {
  perSecond: number;
  /** The server's process ("hello" or relay); null when the relay runs in the benchmark's process. */
  server: CpuShare | null;
  /** The benchmark's process: CI clients, push service, phone (and the relay, when in-process). */
  load: CpuShare;
}

export interface ThroughputRun {
  helloPerSecond: number;
  roundTripsPerSecond: number;
  ratio: number;
  hello: Measurement;
  roundTrips: Measurement;
}

export interface RoundTripResults {
  /** Whether the relay ran in its own process. */
  relayProcess: boolean;
  runs: ThroughputRun[];
  /** Approve-to-delivery latencies of sequential round trips (an idle relay), ms. */
  latency: { samples: number; p50: number; p99: number; max: number };
  /** Full CI-request-to-code latencies of the same sequential round trips, ms. */
  total: { p50: number; p99: number };
}

/** `task` on `concurrency` workers for `durationMs`, with the CPU of `serverPid` and of this process meanwhile. */
async function measure(
  durationMs: number,
  concurrency: number,
  serverPid: number | null,
  task: (worker: number) => Promise<unknown>,
): Promise<Measurement> {
  const server = serverPid === null ? null : cpuMeter(serverPid);
  const load = cpuMeter(null);
  const run = await runFor(durationMs, concurrency, task);
  const count = run.results.length;
  return {
    perSecond: run.perSecond,
    server: server ? server.stop(count, run.wallMs) : null,
    load: load.stop(count, run.wallMs),
  };
}

/**
 * One CI link per worker, new for each measurement: every CI client has its own
 * pipeline, and no link piles up more requests than the per-link limits allow in
 * production (the relay counts a link's requests of the last 24 h on every call).
 */
async function freshLinks(scenario: Scenario, count: number, label: string): Promise<Scenario[]> {
  const links: Scenario[] = [];
  for (let i = 0; i < count; i++)
    links.push({ ...scenario, token: (await scenario.device.link(scenario.accountId, `${label} ${i}`)).token });
  return links;
}

const cpuText = (m: Measurement) =>
  `${m.server ? `server ${m.server.perOperationUs.toFixed(0)} µs/op (${m.server.cores.toFixed(2)} cores), ` : ""}load ${m.load.perOperationUs.toFixed(0)} µs/op (${m.load.cores.toFixed(2)} cores)`;

/**
 * Full round trips per second against the relay (`relay`: by default the real
 * server process) and the local push service, next to "hello" requests per
 * second from a separate express process, `runs` times alternately, with the
 * same HTTP client (fetch) and concurrency; then `sequential` round trips one
 * at a time for the approve-to-delivery latency.
 */
export async function benchRoundTrips(options: {
  runs: number;
  durationMs: number;
  concurrency: number;
  sequential: number;
  relay?: RelayFactory;
  log?: (line: string) => void;
}): Promise<RoundTripResults> {
  const push = await startPushService();
  const relay = await (options.relay ?? relayProcess)(push);
  const hello = await startHelloProcess();
  try {
    const scenario = await setUpScenario(relay.url, relay.setupCode, push);
    const sayHello = async () => (await fetch(hello.url)).text();
    // Warm-up: JIT, connection pools, SQLite page cache.
    const warm = await freshLinks(scenario, options.concurrency, "warm-up");
    await runFor(1000, options.concurrency, (worker) => roundTrip(warm[worker] as Scenario, push));
    await runFor(500, options.concurrency, sayHello);
    const runs: ThroughputRun[] = [];
    for (let run = 0; run < options.runs; run++) {
      const h = await measure(options.durationMs, options.concurrency, hello.pid, sayHello);
      const links = await freshLinks(scenario, options.concurrency, `run ${run + 1}`);
      const r = await measure(options.durationMs, options.concurrency, relay.pid, (worker) =>
        roundTrip(links[worker] as Scenario, push),
      );
      const entry = {
        helloPerSecond: h.perSecond,
        roundTripsPerSecond: r.perSecond,
        ratio: r.perSecond / h.perSecond,
        hello: h,
        roundTrips: r,
      };
      options.log?.(
        `  run ${run + 1}: hello ${h.perSecond.toFixed(0)}/s [${cpuText(h)}], round trips ${r.perSecond.toFixed(1)}/s [${cpuText(r)}] (${(entry.ratio * 100).toFixed(1)}%)`,
      );
      runs.push(entry);
    }
    const approve: number[] = [];
    const total: number[] = [];
    const betweenSamples = loadGeneratorCollection(relay.pid !== null);
    for (let i = 0; i < options.sequential; i++) {
      betweenSamples?.();
      const trip = await roundTrip(scenario, push);
      approve.push(trip.approveToDelivery);
      total.push(trip.total);
    }
    const problems = relay.problems();
    if (problems.length) throw new Error(`the relay logged problems:\n${problems.slice(0, 20).join("\n")}`);
    return {
      relayProcess: relay.pid !== null,
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
