import { afterAll, expect, test } from "vitest";
import { startPushService } from "../../../e2e/harness/push-service.js";
import { approvalBody, Device, type Reply, send } from "../lib/device.js";
import { report } from "../lib/report.js";
import { startServerProcess } from "../lib/serverProcess.js";

const COUNT = 100;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * A CI client as the CLI behaves: POST with an Idempotency-Key, and on a
 * dropped connection retry the same POST (joining the same request); on 408,
 * resume with GET /requests/<id>.
 */
/** Clients that saw their connection drop, by Idempotency-Key. */
const droppedClients = new Set<string>();

async function resilientClient(origin: string, token: string, key: string) {
  let requestId: string | null = null;
  let dropped = 0;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const reply: Reply<{ otp?: string; requestId?: string }> = await send(
        requestId ? `${origin}/api/v1/requests/${requestId}?wait=60` : `${origin}/api/v1/otp`,
        {
          method: requestId ? "GET" : "POST",
          headers: { authorization: `Bearer ${token}`, accept: "application/json", "idempotency-key": key },
          ...(requestId ? {} : { body: JSON.stringify({ package: { name: key, version: "1.0.0" }, wait: 60 }) }),
        },
      );
      if (reply.status === 408 && reply.body.requestId) {
        requestId = reply.body.requestId;
        continue;
      }
      return { status: reply.status, otp: reply.body.otp ?? null, requestId: reply.body.requestId ?? null, dropped };
    } catch {
      // The server is gone (SIGKILL): retry once it is back.
      dropped++;
      droppedClients.add(key);
      // Not synchronisation: the client's back-off between attempts while the server is down.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`client ${key} gave up`);
}

test(`SIGKILL with ${COUNT} CI requests waiting: after a restart every one is approved and delivered once, one notification each`, async () => {
  const push = await startPushService();
  cleanups.push(() => push.close());
  const server = await startServerProcess({
    env: {
      COUNTERSIGN_PUSH_ALLOW: new URL(push.origin).host,
      COUNTERSIGN_MAX_PENDING_PER_LINK: String(COUNT),
      COUNTERSIGN_MAX_REQUESTS_PER_HOUR: "1000",
      COUNTERSIGN_MAX_CALLS_PER_MINUTE: "10000",
    },
  });
  cleanups.push(async () => {
    await server.kill("SIGTERM");
  });
  const phone = await Device.pair(server.origin, { setupCode: server.setupCode });
  await phone.subscribe(push.createSubscription());
  const account = await phone.account("alice");
  const { token } = await phone.link(account.id, "release");

  const clients = Array.from({ length: COUNT }, (_, i) => resilientClient(server.origin, token, `crash-${i}`));
  const approvals = () => push.messages.filter((m) => (m.payload as { type?: string }).type === "approval");
  await expect.poll(() => approvals().length, { timeout: 60_000, interval: 100 }).toBe(COUNT);

  await server.kill("SIGKILL");
  await server.restart();

  // Every client has seen its connection drop before anyone answers. Whether a client rejoins its
  // request (same Idempotency-Key) before or after the answer, it must get its code exactly once:
  // the answer is kept until delivered. No pause is needed for either order.
  await expect.poll(() => droppedClients.size, { timeout: 30_000, interval: 50 }).toBe(COUNT);
  const pending = await phone.ok<{ id: string; package: { name: string } }[]>("GET", "/api/v1/approvals");
  expect(pending).toHaveLength(COUNT);
  const codeOf = (name: string) => String(100000 + Number(name.split("-")[1]));
  const answers = await Promise.all(
    pending.map((r) => phone.call("POST", `/api/v1/approvals/${r.id}/answer`, approvalBody(codeOf(r.package.name)))),
  );
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));

  const results = await Promise.all(clients);
  const delivered = results.filter((r, i) => r.status === 200 && r.otp === codeOf(`crash-${i}`));
  const notifications = approvals();
  const perRequest = new Map<string, number>();
  for (const m of notifications) {
    const id = (m.payload as { requestId: string }).requestId;
    perRequest.set(id, (perRequest.get(id) ?? 0) + 1);
  }
  const history = await phone.ok<{ outcome: string }[]>("GET", `/api/v1/accounts/${account.id}/history?limit=1000`);
  report("crash", {
    waiting: COUNT,
    delivered: delivered.length,
    clientsThatLostTheirConnection: results.filter((r) => r.dropped > 0).length,
    approvalNotifications: notifications.length,
    duplicateNotifications: [...perRequest.values()].filter((n) => n > 1).length,
    auditDelivered: history.filter((h) => h.outcome === "delivered").length,
  });
  expect(delivered).toHaveLength(COUNT);
  expect(results.filter((r) => r.dropped > 0).length).toBe(COUNT);
  expect(notifications).toHaveLength(COUNT);
  expect(perRequest.size).toBe(COUNT);
  expect(history.filter((h) => h.outcome === "delivered")).toHaveLength(COUNT);
  // A code is handed out once: asking again for a delivered request says so.
  const again = await send(`${server.origin}/api/v1/requests/${results[0]?.requestId}?wait=0`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(again.status).toBe(410);
});
