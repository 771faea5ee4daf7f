import type { AuditEntry } from "@countersign/shared";
import { afterAll, beforeAll, expect, test } from "vitest";
import { BENCH_LIMITS } from "../benchmarks/roundTrips.js";
import { approvalBody, askForCode, Device } from "../lib/device.js";
import { type Relay, startRelay } from "../lib/relay.js";
import { report } from "../lib/report.js";

const COUNT = 1000;
const BATCH = 50;
let relay: Relay;

beforeAll(async () => {
  relay = await startRelay({ config: BENCH_LIMITS });
});
afterAll(async () => {
  await relay.close();
});

test(`${COUNT} requests each answered by two devices at once: CI gets exactly the winner's answer, the audit log agrees`, async () => {
  const alpha = await Device.pair(relay.url, { setupCode: relay.setupCode }, "Alpha");
  const beta = await alpha.invite("Beta");
  const account = await alpha.account("alice");
  await beta.account("alice"); // the second phone joins the same account
  const { token } = await alpha.link(account.id, "race");

  const codeFrom = (device: Device, i: number) => `${device === alpha ? 1 : 2}${String(i).padStart(5, "0")}`;
  const winners = new Map<string, { device: Device; i: number }>();
  let wrongCode = 0;
  let bothWon = 0;
  let noneWon = 0;
  let loserToldWrongWinner = 0;
  let answerConflicts = 0;
  const started = performance.now();
  for (let start = 0; start < COUNT; start += BATCH) {
    const indices = Array.from({ length: BATCH }, (_, k) => start + k);
    const ci = indices.map((i) => askForCode(relay.url, token, { package: { name: `race-${i}`, version: "1.0.0" } }));
    let pending: { id: string; package: { name: string } }[] = [];
    for (let tries = 0; pending.length < BATCH && tries < 500; tries++) {
      pending = await alpha.ok("GET", "/api/v1/approvals");
      if (pending.length < BATCH) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(pending).toHaveLength(BATCH);
    const byName = new Map(pending.map((r) => [r.package.name, r.id]));
    await Promise.all(
      indices.map(async (i) => {
        const requestId = byName.get(`race-${i}`) as string;
        // Who sends first alternates, so both devices win some races.
        const answer = (device: Device) =>
          device.call("POST", `/api/v1/approvals/${requestId}/answer`, approvalBody(codeFrom(device, i)));
        const [a, b] =
          i % 2 === 0
            ? await Promise.all([answer(alpha), answer(beta)])
            : await Promise.all([answer(beta), answer(alpha)]).then(([y, x]) => [x, y] as const);
        const won = [a.status === 200, b.status === 200];
        if (won[0] && won[1]) bothWon++;
        if (!won[0] && !won[1]) noneWon++;
        if (won[0] === won[1]) return;
        const [winner, loser] = won[0] ? [alpha, b] : [beta, a];
        winners.set(requestId, { device: winner, i });
        if (loser.status === 409) answerConflicts++;
        const named = (loser.body as { answeredBy?: { deviceId?: string } }).answeredBy?.deviceId;
        if (loser.status !== 409 || named !== winner.id) loserToldWrongWinner++;
      }),
    );
    const replies = await Promise.all(ci);
    replies.forEach((reply, k) => {
      const i = indices[k] as number;
      const requestId = byName.get(`race-${i}`) as string;
      const winner = winners.get(requestId);
      if (!winner || reply.status !== 200 || reply.body.otp !== codeFrom(winner.device, i)) wrongCode++;
    });
  }
  const seconds = (performance.now() - started) / 1000;

  const history = await alpha.ok<AuditEntry[]>("GET", `/api/v1/accounts/${account.id}/history?limit=1000`);
  let auditAgrees = 0;
  for (const entry of history) {
    const winner = entry.requestId ? winners.get(entry.requestId) : undefined;
    if (winner && entry.outcome === "delivered" && entry.answeredBy?.deviceId === winner.device.id) auditAgrees++;
  }
  report("races", {
    requests: COUNT,
    answers: COUNT * 2,
    exactlyOneWinner: winners.size,
    bothWon,
    noneWon,
    loserGot409NamingWinner: answerConflicts - loserToldWrongWinner,
    ciGotWrongOrNoCode: wrongCode,
    auditAgrees,
    winsAlpha: [...winners.values()].filter((w) => w.device === alpha).length,
    seconds: seconds.toFixed(1),
  });
  expect(relay.problems).toEqual([]);
  expect(bothWon).toBe(0);
  expect(noneWon).toBe(0);
  expect(winners.size).toBe(COUNT);
  expect(loserToldWrongWinner).toBe(0);
  expect(wrongCode).toBe(0);
  expect(history).toHaveLength(COUNT);
  expect(auditAgrees).toBe(COUNT);
});
