import type { Server } from "node:http";
import { isIPv6 } from "node:net";
import type { Logger } from "../logger.js";

/**
 * Timeouts of the standalone server's HTTP connections (ms). They bound how
 * long a client may take to send a request, not how long the server takes to
 * answer: a CI call has sent its whole request before it waits, so it still
 * waits up to COUNTERSIGN_MAX_WAIT.
 */
export const CONNECTION_TIMEOUTS = {
  /** The request line and headers must arrive within this (slowloris, silent connections). */
  headersTimeoutMs: 10_000,
  /** The whole request (headers and body, at most 32 KiB) must arrive within this. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** How often Node checks connections against the two timeouts above (its default is 30 s). */
  checkingIntervalMs: 1_000,
} as const;

export type ConnectionTimeouts = { [K in keyof typeof CONNECTION_TIMEOUTS]: number };

export interface ConnectionLimits {
  /** Open connections at once, in total; Node drops any beyond at accept. */
  maxConnections: number;
  /** Open connections at once from one address (an IPv6 /64 counts as one); 0: no limit. */
  maxConnectionsPerAddress: number;
}

/** The address a connection counts against: IPv4 as written, IPv6 by its /64 (one host's usual allocation). */
export function connectionSource(remoteAddress: string | undefined): string {
  if (!remoteAddress) return "unknown";
  if (remoteAddress.startsWith("::ffff:") && remoteAddress.includes(".")) return remoteAddress.slice(7);
  if (!isIPv6(remoteAddress)) return remoteAddress;
  const [head = "", tail] = remoteAddress.split("::");
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group || "0", 16).toString(16))
    .join(":")}::/64`;
}

/**
 * Bounds what one client can hold of the server: the timeouts above (set when
 * the server is created, see {@link serverTimeoutOptions}), a total cap on open
 * connections, and a cap per source address, enforced as each connection is
 * accepted: one beyond it is closed at once, before a byte is read. Without
 * them one address opening thousands of connections and sending headers
 * slowly held a descriptor each until the process ran out, and the server
 * stopped answering anyone.
 */
export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  log: Logger,
  timeouts: ConnectionTimeouts = CONNECTION_TIMEOUTS,
): void {
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  let warnedAt = Number.NEGATIVE_INFINITY;
  server.on("drop", () => {
    // Once a minute at most: a flood drops thousands.
    if (performance.now() - warnedAt < 60_000) return;
    warnedAt = performance.now();
    log.warn("connections refused: the server is at COUNTERSIGN_MAX_CONNECTIONS", { limit: limits.maxConnections });
  });
  if (limits.maxConnectionsPerAddress <= 0) return;
  const open = new Map<string, number>();
  const refused = new Set<string>();
  server.on("connection", (socket) => {
    const source = connectionSource(socket.remoteAddress);
    const count = open.get(source) ?? 0;
    if (count >= limits.maxConnectionsPerAddress) {
      socket.destroy();
      if (!refused.has(source)) {
        refused.add(source);
        log.warn("connections refused: too many from one address", {
          ip: source,
          limit: limits.maxConnectionsPerAddress,
        });
      }
      return;
    }
    open.set(source, count + 1);
    socket.once("close", () => {
      const left = (open.get(source) ?? 1) - 1;
      if (left > 0) {
        open.set(source, left);
      } else {
        open.delete(source);
        refused.delete(source);
      }
    });
  });
}

/** The options `http.createServer` needs for {@link CONNECTION_TIMEOUTS} (two of them can only be set there). */
export function serverTimeoutOptions(timeouts: ConnectionTimeouts = CONNECTION_TIMEOUTS) {
  return {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    connectionsCheckingInterval: timeouts.checkingIntervalMs,
  };
}
