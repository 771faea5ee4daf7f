import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { connectionSource, limitConnections, serverTimeoutOptions } from "./limitConnections.js";

const FAST = { headersTimeoutMs: 300, requestTimeoutMs: 400, keepAliveTimeoutMs: 200, checkingIntervalMs: 50 };

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

/** A server that answers every request `answerAfterMs` after it has read it whole, as a CI long poll does. */
async function start(answerAfterMs: number, perAddress = 0): Promise<number> {
  server = createServer(serverTimeoutOptions(FAST), (req, res) => {
    req.resume();
    req.on("end", () => setTimeout(() => res.end("ok"), answerAfterMs));
  });
  limitConnections(server, { maxConnections: 100, maxConnectionsPerAddress: perAddress }, createLogger("silent"), FAST);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

describe("limitConnections", () => {
  it("lets a call wait past the request timeout once its request is in (a CI long poll)", async () => {
    const port = await start(1200);
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
  });

  it("closes a connection that sends its headers too slowly, and one that sends nothing", async () => {
    const port = await start(0);
    const closedAfter = (trickle: boolean) =>
      new Promise<number>((resolve) => {
        const started = performance.now();
        const socket = connect(port, "127.0.0.1");
        socket.on("data", () => {});
        socket.on("error", () => {});
        let timer: NodeJS.Timeout | undefined;
        if (trickle) {
          socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
          timer = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 50);
        }
        socket.on("close", () => {
          clearInterval(timer);
          resolve(performance.now() - started);
        });
      });
    const [slow, silent] = await Promise.all([closedAfter(true), closedAfter(false)]);
    expect(slow).toBeLessThan(1500);
    expect(silent).toBeLessThan(1500);
  });

  it("refuses connections from one address beyond its limit and serves another address", async () => {
    const port = await start(0, 3);
    const sockets = Array.from({ length: 6 }, () => {
      const socket = connect({ port, host: "127.0.0.1", localAddress: "127.0.0.2" });
      socket.on("error", () => {});
      socket.on("connect", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n"));
      return socket;
    });
    await Promise.all(
      sockets.map((socket) => new Promise((resolve) => socket.once("ready", resolve).once("close", resolve))),
    );
    const open = () => sockets.filter((socket) => !socket.closed).length;
    await expect.poll(open, { timeout: 3000, interval: 20 }).toBe(3);
    // Still three a moment later: the three held are not closed too.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(open()).toBe(3);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it("counts IPv4 addresses as written and IPv6 ones by their /64", () => {
    expect(connectionSource("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(connectionSource("203.0.113.9")).toBe("203.0.113.9");
    expect(connectionSource("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(connectionSource("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(connectionSource("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(connectionSource("::1")).toBe("0:0:0:0::/64");
  });
});
