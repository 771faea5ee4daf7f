import { execFileSync } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterAll, expect, test } from "vitest";
import { report } from "../lib/report.js";
import { type ServerProcess, startServerProcess } from "../lib/serverProcess.js";

/**
 * A slowloris flood from one address (127.0.0.2) against the standalone
 * server, while a legitimate client (127.0.0.1) asks for health. Counts are
 * kept small so the test runs in seconds: the server's per-address limit is
 * set to 50 and its open-file limit lowered to 400 with prlimit(1), so 1,000
 * attacking connections do to it what 20,000 did at the default limits —
 * without the per-address cap it runs out of descriptors and stops answering
 * anyone.
 */
const ATTACK_CONNECTIONS = 1000;
const PER_ADDRESS = 50;
const FILE_LIMIT = 400;
/** Health must answer within this while the flood holds on. */
const HEALTH_BOUND_MS = 2000;

let server: ServerProcess | undefined;
const attackers: Socket[] = [];
afterAll(async () => {
  for (const socket of attackers) socket.destroy();
  await server?.stop();
});

function health(port: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress: "127.0.0.1" });
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`health did not answer within ${HEALTH_BOUND_MS} ms`));
    }, HEALTH_BOUND_MS);
    socket.on("connect", () => socket.write("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
      resolve({ status, ms: Math.round(performance.now() - started) });
    });
  });
}

/** Opens one connection from the attacker's address that sends its headers a line at a time, forever. */
function slowloris(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress: "127.0.0.2" });
    attackers.push(socket);
    socket.on("error", () => {});
    socket.on("data", () => {});
    socket.on("connect", () => {
      socket.write("POST /api/v1/otp HTTP/1.1\r\nHost: x\r\n");
      const trickle = setInterval(() => {
        if (socket.writable) socket.write(`X-Slow-${attackers.length}: 1\r\n`);
      }, 1000);
      socket.on("close", () => clearInterval(trickle));
      resolve(socket);
    });
    socket.on("close", () => resolve(socket));
  });
}

test(`slowloris from one address (${ATTACK_CONNECTIONS} connections) leaves another address served`, async () => {
  server = await startServerProcess({
    env: { COUNTERSIGN_MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS), COUNTERSIGN_MAX_CONNECTIONS: "1000" },
  });
  const port = server.port;
  execFileSync("prlimit", [`--pid=${server.pid()}`, `--nofile=${FILE_LIMIT}:${FILE_LIMIT}`]);
  expect((await health(port)).status).toBe(200);

  await Promise.all(Array.from({ length: ATTACK_CONNECTIONS }, () => slowloris(port)));
  // Refused connections are closed as they are accepted; on a busy machine this side sees the last closes a little later.
  const open = () => attackers.filter((socket) => !socket.destroyed && !socket.closed).length;
  await expect.poll(open, { timeout: 5000, interval: 100 }).toBeLessThanOrEqual(PER_ADDRESS);
  const held = open();

  const checks: number[] = [];
  for (let i = 0; i < 5; i++) {
    const answer = await health(port);
    expect(answer.status).toBe(200);
    checks.push(answer.ms);
  }
  report("slowloris from one address", {
    attacking: ATTACK_CONNECTIONS,
    held,
    perAddressLimit: PER_ADDRESS,
    healthMs: checks.join(", "),
  });
  expect(held).toBeLessThanOrEqual(PER_ADDRESS);
  expect(server.logs()).toContain("too many from one address");
});
