import type { ApprovalView } from "@countersign/shared";
import { startPushService } from "../../../e2e/harness/push-service.js";
import { askForCode, Device, type Reply, send } from "../lib/device.js";
import { roundTrip, type Scenario } from "../lib/scenario.js";
import { startServerProcess } from "../lib/serverProcess.js";
import { percentile } from "../lib/stats.js";

export interface WaitingResults {
  waiting: number;
  rssIdleMb: number;
  rssWaitingMb: number;
  /** A new CI request's full round trip (request → push → approval → code), ms, before and while they wait. */
  probeBefore: { p50: number; p99: number };
  probeDuring: { p50: number; p99: number };
  healthBefore: { p50: number; p99: number };
  healthDuring: { p50: number; p99: number };
  openSeconds: number;
  /** Notifications the server could not hand to the push service (logged "push failed"; the request still waits). */
  failedPushes: number;
  /** Waiting calls approved from the phone while all of them wait, and how many of those got exactly their code. */
  approved: { sent: number; delivered: number };
  /** The other waiting calls, and how many got 408 with their request id when the server stopped (SIGTERM). */
  atShutdown: { waiting: number; answered408: number };
}

/**
 * The real standalone server process with `count` CI calls held open at once
 * (spread over links of 1,000 — COUNTERSIGN_MAX_PENDING_PER_LINK=1000, the
 * per-hour and per-address limits raised and the per-address connection limit
 * off, since every call comes from 127.0.0.1), each notified through the push
 * service. Measures the server's RSS and a new request's latency meanwhile.
 */
export async function benchWaiting(options: { count: number; probes: number; log?: (line: string) => void }) {
  const push = await startPushService();
  const server = await startServerProcess({
    env: {
      COUNTERSIGN_PUSH_ALLOW: new URL(push.origin).host,
      COUNTERSIGN_MAX_PENDING_PER_LINK: "1000",
      COUNTERSIGN_MAX_REQUESTS_PER_HOUR: "100000",
      COUNTERSIGN_MAX_CALLS_PER_MINUTE: "100000",
      COUNTERSIGN_MAX_WAIT: "900",
      COUNTERSIGN_REQUEST_TTL: "900",
      COUNTERSIGN_MAX_CONNECTIONS_PER_ADDRESS: "0",
    },
  });
  const waiters: Promise<unknown>[] = [];
  const replies: (Reply<{ otp?: string; requestId?: string; error?: string }> | undefined)[] = [];
  const early: string[] = [];
  let stopping = false;
  try {
    const phone = await Device.pair(server.origin, { setupCode: server.setupCode }, "Waiting phone");
    await phone.subscribe(push.createSubscription());
    const busy = await phone.account("busy");
    const links: string[] = [];
    for (let i = 0; i < Math.ceil(options.count / 1000); i++)
      links.push((await phone.link(busy.id, `load ${i}`)).token);
    const prober = await phone.invite("Probe phone");
    await prober.subscribe(push.createSubscription());
    const quiet = await prober.account("quiet");
    const probeScenario: Scenario = {
      origin: server.origin,
      device: prober,
      accountId: quiet.id,
      token: (await prober.link(quiet.id, "probe")).token,
    };
    const probe = async () => {
      const trips: number[] = [];
      const health: number[] = [];
      for (let i = 0; i < options.probes; i++) {
        trips.push((await roundTrip(probeScenario, push)).total);
        const started = performance.now();
        await send(`${server.origin}/api/v1/health`);
        health.push(performance.now() - started);
      }
      return {
        trip: { p50: percentile(trips, 50), p99: percentile(trips, 99) },
        health: { p50: percentile(health, 50), p99: percentile(health, 99) },
      };
    };
    const before = await probe();
    const rssIdle = server.rss();

    const opening = performance.now();
    const batch = 100;
    const failedPushes = () => server.logs().match(/"msg":"push failed"[^\n]*"type":"approval"/g)?.length ?? 0;
    let approvals = () =>
      push.messages.filter((m) => (m.payload as { type?: string } | null)?.type === "approval").length;
    let seen = 0;
    for (let start = 0; start < options.count; start += batch) {
      for (let i = start; i < Math.min(options.count, start + batch); i++) {
        const token = links[Math.floor(i / 1000)] as string;
        waiters.push(
          askForCode(server.origin, token, { package: { name: `wait-${i}`, version: "1.0.0" }, wait: 900 }).then(
            (reply) => {
              replies[i] = reply;
              if (!stopping) early.push(`${reply.status} ${reply.text.slice(0, 200)}`);
            },
            (error: unknown) => {
              if (!stopping) early.push(String(error));
            },
          ),
        );
      }
      const target = Math.min(options.count, start + batch);
      const deadline = Date.now() + 120_000;
      while (seen + approvals() + failedPushes() < target) {
        if (Date.now() > deadline || early.length) {
          throw new Error(
            `${seen + approvals()} of ${target} requests notified; ${early.length} CI calls ended early: ${early.slice(0, 3).join(" | ")}\nserver log: ${server.logs().slice(-2000)}\npush refusals: ${JSON.stringify(push.refusals.slice(0, 3))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      // Keep the push service's list short.
      seen += approvals();
      push.messages.length = 0;
    }
    approvals = () => 0;
    const openSeconds = (performance.now() - opening) / 1000;
    options.log?.(`  ${options.count} CI calls waiting (opened in ${openSeconds.toFixed(1)} s)`);
    await new Promise((r) => setTimeout(r, 1000));
    const rssWaiting = server.rss();
    const during = await probe();
    const pending = await phone.ok<ApprovalView[]>("GET", "/api/v1/approvals");
    if (pending.length < options.count) throw new Error(`only ${pending.length} requests pending`);

    // Some of them answered from the phone while all wait: each CI call gets exactly its code.
    stopping = true;
    const approve = pending.filter((r) => r.package?.name.startsWith("wait-")).slice(0, 20);
    const codes = new Map<number, string>();
    for (const [n, request] of approve.entries()) {
      const index = Number(request.package?.name.slice("wait-".length));
      const otp = String(200000 + n);
      codes.set(index, otp);
      const answered = await phone.approve(request.id, otp);
      if (answered.status !== 200) throw new Error(`approving a waiting call: ${answered.status} ${answered.text}`);
    }
    const approvedBy = Date.now() + 10_000;
    while ([...codes.keys()].some((i) => !replies[i]) && Date.now() < approvedBy)
      await new Promise((r) => setTimeout(r, 20));
    const delivered = [...codes].filter(([i, otp]) => replies[i]?.status === 200 && replies[i]?.body.otp === otp);

    // The rest are answered 408 with their request id when the server stops.
    const exitCode = await server.kill("SIGTERM");
    if (exitCode !== 0) throw new Error(`the server exited with ${exitCode} on SIGTERM`);
    const stoppedBy = Date.now() + 30_000;
    while (replies.filter(Boolean).length < options.count && Date.now() < stoppedBy)
      await new Promise((r) => setTimeout(r, 20));
    const rest = replies.filter((_, i) => !codes.has(i));
    const answered408 = rest.filter((r) => r?.status === 408 && r.body.error === "timeout" && r.body.requestId).length;
    options.log?.(
      `  ${delivered.length} of ${codes.size} approved while waiting got their code; ${answered408} of ${options.count - codes.size} others got 408 at SIGTERM`,
    );
    return {
      waiting: options.count,
      rssIdleMb: rssIdle / 2 ** 20,
      rssWaitingMb: rssWaiting / 2 ** 20,
      probeBefore: before.trip,
      probeDuring: during.trip,
      healthBefore: before.health,
      healthDuring: during.health,
      openSeconds,
      failedPushes: failedPushes(),
      approved: { sent: codes.size, delivered: delivered.length },
      atShutdown: { waiting: options.count - codes.size, answered408 },
    } satisfies WaitingResults;
  } finally {
    stopping = true;
    await server.kill("SIGTERM");
    await Promise.allSettled(waiters);
    await push.close();
  }
}
