import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { buildDeps } from "../buildDeps.js";
import { bindsLoopbackOnly, type Config, ConfigError } from "../config.js";
import type { Clock, Deps } from "../deps.js";
import { ensureSetupCode, pairingUrl } from "../domain/devices.js";
import { sweepExpired } from "../domain/sweepExpired.js";
import { createApp } from "../http/createApp.js";
import type { Logger } from "../logger.js";
import { SqliteStore } from "../store/SqliteStore.js";
import { expressMessageClasses } from "./expressMessages.js";
import { limitConnections, serverTimeoutOptions } from "./limitConnections.js";
import { createMetrics } from "./metrics.js";
import { serveWeb } from "./serveWeb.js";
import { startMetricsServer } from "./startMetricsServer.js";

export interface StartOptions {
  config: Config;
  dataDir: string;
  webDir: string;
  port: number;
  host?: string;
  setupCode?: string;
  log: Logger;
  clock?: Clock;
  /** How often expired requests are swept (ms). */
  sweepIntervalMs?: number;
  /** Serve Prometheus metrics on this port and address (COUNTERSIGN_METRICS_PORT, _HOST). */
  metrics?: { port: number; host: string };
}

export interface RunningServer {
  /** Where the server listens, e.g. http://127.0.0.1:8080. */
  url: string;
  port: number;
  /** The setup code while no device is paired, else null. */
  setupCode: string | null;
  deps: Deps;
  server: Server;
  /** Where Prometheus metrics are served, when they are. */
  metricsUrl?: string;
  /** Answers waiting CI calls 408, stops accepting connections and closes the database. */
  close(): Promise<void>;
}

/** Checks the data directory can be created and written; ConfigError with one clear sentence otherwise. */
export function prepareDataDir(dataDir: string): void {
  try {
    makeDirectory(dataDir, 0);
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(
      `The data directory ${dataDir} is not writable (${reason}). Set COUNTERSIGN_DATA_DIR to a writable directory.`,
    );
  }
}

/**
 * A warning when other local users can read or enter the data directory (it
 * holds link-token hashes, device keys and, until delivered, codes), else null.
 */
export function dataDirWarning(dataDir: string): string | null {
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  return (
    `The data directory ${dataDir} is open to other users (mode ${mode.toString(8).padStart(3, "0")}); ` +
    `restrict it to this user: chmod 700 ${dataDir}`
  );
}

/** mkdir -p, by hand: Node's recursive mkdirSync loops forever under /proc. */
function makeDirectory(dir: string, depth: number): void {
  try {
    // The data directory itself is the owner's alone (0700): it holds the database.
    mkdirSync(dir, depth === 0 ? 0o700 : undefined);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    if (code !== "ENOENT" || depth > 64 || dirname(dir) === dir) throw error;
    makeDirectory(dirname(dir), depth + 1);
    mkdirSync(dir, depth === 0 ? 0o700 : undefined);
  }
}

/** Opens the store and starts the standalone server (API + PWA on one origin). */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  prepareDataDir(options.dataDir);
  const wide = dataDirWarning(options.dataDir);
  if (wide) options.log.warn(wide);
  const store = SqliteStore.open(options.dataDir);
  const deps = await buildDeps({ store, config: options.config, log: options.log, clock: options.clock });
  const metrics = options.metrics ? createMetrics(deps.clock) : undefined;
  if (metrics) {
    deps.store = metrics.meterStore(deps.store);
    deps.push = metrics.meterPush(deps.push);
  }
  const setupCode = await ensureSetupCode(deps, options.setupCode);
  const shutdown = new AbortController();
  const app = createApp(deps, { shutdown: shutdown.signal, ...(metrics ? { observe: metrics.observe } : {}) });
  app.use(serveWeb(options.webDir));

  // Trusting proxy hops, the port must be reachable by the proxy only: loopback unless HOST says otherwise.
  const listenHost = options.host ?? (bindsLoopbackOnly(options.config.trustProxy) ? "127.0.0.1" : "::");
  if (!options.host && listenHost === "127.0.0.1") {
    options.log.info("listening on loopback only: COUNTERSIGN_TRUST_PROXY trusts proxy hops (set HOST to change)");
  }
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = createServer({ ...serverTimeoutOptions(), ...expressMessageClasses(app) }, app);
    limitConnections(listening, options.config, options.log);
    listening.once("error", reject);
    listening.listen(options.port, listenHost, () => resolve(listening));
  }).catch((error: NodeJS.ErrnoException) => {
    void store.close();
    if (error.code === "EADDRINUSE")
      throw new ConfigError(`Port ${options.port} is already in use. Set PORT to a free port.`);
    if (error.code === "EACCES")
      throw new ConfigError(`Port ${options.port} needs privileges this user lacks. Set PORT to a port above 1023.`);
    if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") {
      throw new ConfigError(`HOST ${options.host} is not an address of this machine.`);
    }
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const metricsServer =
    metrics && options.metrics
      ? await startMetricsServer(metrics.registry, options.metrics.port, options.metrics.host).catch(async (error) => {
          await new Promise((resolve) => server.close(resolve));
          await store.close();
          throw error;
        })
      : undefined;

  const sweeper = setInterval(() => {
    sweepExpired(deps).catch((error) => options.log.error("sweep failed", { error: String(error) }));
  }, options.sweepIntervalMs ?? 30_000);
  sweeper.unref();
  await sweepExpired(deps);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      shutdown.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Answered long polls leave keep-alive sockets behind; do not wait on them.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      await metricsServer?.close();
      await store.close();
    })();
    return closing;
  };

  const host = listenHost !== "::" && listenHost !== "0.0.0.0" ? listenHost : "localhost";
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    setupCode,
    deps,
    server,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    close,
  };
}

export { pairingUrl };
