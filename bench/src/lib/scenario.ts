import type { PushMessage, PushService } from "../../../e2e/harness/push-service.js";
import { askForCode, Device } from "./device.js";

export interface Scenario {
  origin: string;
  device: Device;
  accountId: string;
  token: string;
}

/** Pairs a phone, gives it an account and a CI link, and (with a push service) turns its notifications on. */
export async function setUpScenario(origin: string, setupCode: string, push?: PushService): Promise<Scenario> {
  const device = await Device.pair(origin, { setupCode }, "Bench phone");
  if (push) await device.subscribe(push.createSubscription());
  const account = await device.account("alice");
  const link = await device.link(account.id, "bench");
  return { origin, device, accountId: account.id, token: link.token };
}

/** Waits for the approval notification of the request for package `name`, and forgets it once seen. */
export async function takeApprovalPush(push: PushService, name: string, timeoutMs = 30_000): Promise<PushMessage> {
  const matches = (message: PushMessage) => {
    const payload = message.payload as { type?: string; title?: string } | null;
    return payload?.type === "approval" && (payload.title ?? "").includes(`${name}@`);
  };
  const message = await push.waitForMessage(matches, timeoutMs);
  const index = push.messages.indexOf(message);
  if (index >= 0) push.messages.splice(index, 1);
  return message;
}

export interface RoundTrip {
  /** The phone's signed answer handed to the HTTP client → CI has the code, ms (the phone's signing is not in it). */
  approveToDelivery: number;
  /** CI request sent → CI has the code, ms. */
  total: number;
}

let counter = 0;

/**
 * One full round trip as in production: CI asks → the relay encrypts and sends
 * a Web Push to the push service → the phone (on that notification) signs and
 * sends its approval → CI receives the code. Throws unless CI got exactly the code sent.
 */
export async function roundTrip(scenario: Scenario, push: PushService): Promise<RoundTrip> {
  const name = `bench-${process.pid}-${++counter}`;
  const otp = String(100000 + (counter % 900000));
  const started = performance.now();
  let delivered = 0;
  const ci = askForCode(scenario.origin, scenario.token, { package: { name, version: "1.0.0" }, wait: 60 }).then(
    (reply) => {
      delivered = performance.now();
      return reply;
    },
  );
  const message = await takeApprovalPush(push, name);
  const requestId = (message.payload as { requestId: string }).requestId;
  const sendAnswer = await scenario.device.prepareApproval(requestId, otp);
  const approvedAt = performance.now();
  // CI's code may arrive before the answer's own reply: each is timed on arrival.
  const [reply, answered] = await Promise.all([ci, sendAnswer()]);
  if (answered.status !== 200) throw new Error(`answer: ${answered.status} ${answered.text}`);
  if (reply.status !== 200 || reply.body.otp !== otp) throw new Error(`CI got ${reply.status} ${reply.text}`);
  return { approveToDelivery: delivered - approvedAt, total: delivered - started };
}

/**
 * Runs `task` with `concurrency` workers (numbered from 0) for `durationMs`;
 * returns completions per second, the results and the wall time until the last one finished.
 */
export async function runFor<T>(
  durationMs: number,
  concurrency: number,
  task: (worker: number) => Promise<T>,
): Promise<{ perSecond: number; results: T[]; wallMs: number }> {
  const results: T[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) results.push(await task(worker));
    }),
  );
  const wallMs = performance.now() - started;
  return { perSecond: results.length / (wallMs / 1000), results, wallMs };
}
