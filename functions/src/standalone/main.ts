#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import qrcode from "qrcode-terminal";
import { ConfigError, loadConfig, parsePort } from "../config.js";
import { pairingUrl } from "../domain/devices.js";
import { createLogger, parseLogLevel } from "../logger.js";
import { startServer } from "./startServer.js";
import { unknownSettings } from "./unknownSettings.js";

/**
 * The standalone server: `node functions/dist/standalone/main.js`.
 * Environment: PORT, HOST, COUNTERSIGN_DATA_DIR, COUNTERSIGN_PUBLIC_URL,
 * COUNTERSIGN_SETUP_CODE, COUNTERSIGN_WEB_DIR, COUNTERSIGN_PUSH_ALLOW,
 * COUNTERSIGN_MAX_WAIT, COUNTERSIGN_REQUEST_TTL, COUNTERSIGN_LOG_LEVEL, COUNTERSIGN_LOW_MEMORY,
 * COUNTERSIGN_METRICS_PORT, COUNTERSIGN_METRICS_HOST (docs/server.md), COUNTERSIGN_OIDC_ISSUERS (docs/oidc.md).
 */
const here = dirname(fileURLToPath(import.meta.url));

function fail(message: string): never {
  process.stderr.write(`countersign: ${message}\n`);
  process.exit(1);
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(resolve(here, "../../package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

/**
 * Less V8 heap headroom, for this process unless COUNTERSIGN_LOW_MEMORY=0: the
 * old generation may grow to 1.2 × what is live before the next full GC,
 * instead of V8's own, often larger, factor. With 10,000 CI calls waiting this
 * is ≈ 50–60 MB less RSS (docs/server.md, "Memory"); the round-trip
 * benchmark's server CPU per round trip measured the same within its noise.
 * The flag is read at every heap-sizing decision, so setting it once the
 * process runs works. Measured and not taken: a 1 MB young generation
 * (`--semi-space-growth-factor=1` set before loading, or
 * `--max-semi-space-size=1` on the command line: ≈ 20 MB less RSS idle and
 * with 10,000 waiting alike, so not less growth; docs/benchmarks.md "rss5")
 * and `--optimize-for-size` cost ≈ 30 % more server CPU per round trip.
 */
const LOW_MEMORY_V8_FLAGS = ["--heap-growing-percent=20"];

function lowMemory(raw: string | undefined): boolean {
  const value = raw?.trim() ?? "";
  if (value === "" || value === "1") return true;
  if (value === "0") return false;
  throw new ConfigError(`COUNTERSIGN_LOW_MEMORY must be 1 or 0 (got "${value}").`);
}

/** COUNTERSIGN_METRICS_PORT (off when unset) and COUNTERSIGN_METRICS_HOST (default loopback). */
function metricsSettings(env: NodeJS.ProcessEnv, appPort: number): { port: number; host: string } | undefined {
  const raw = env.COUNTERSIGN_METRICS_PORT?.trim();
  if (!raw) return undefined;
  let port: number;
  try {
    port = parsePort(raw);
  } catch {
    throw new ConfigError(`COUNTERSIGN_METRICS_PORT must be a number from 1 to 65535 (got "${raw}").`);
  }
  if (port === appPort) throw new ConfigError(`COUNTERSIGN_METRICS_PORT must differ from PORT (both ${port}).`);
  return { port, host: env.COUNTERSIGN_METRICS_HOST?.trim() || "127.0.0.1" };
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

async function main() {
  const env = process.env;
  if (lowMemory(env.COUNTERSIGN_LOW_MEMORY)) for (const flag of LOW_MEMORY_V8_FLAGS) setFlagsFromString(flag);
  const port = parsePort(env.PORT);
  const config = loadConfig(env, { publicUrl: `http://localhost:${port}`, version: version() });
  const log = createLogger(parseLogLevel(env.COUNTERSIGN_LOG_LEVEL));
  const metrics = metricsSettings(env, port);
  for (const { name, hint } of unknownSettings(env)) log.warn(`unknown setting ${name} ignored: ${hint}`, { name });
  const running = await startServer({
    config,
    port,
    ...(env.HOST?.trim() ? { host: env.HOST.trim() } : {}),
    dataDir: resolve(env.COUNTERSIGN_DATA_DIR?.trim() || ".data"),
    webDir: resolve(env.COUNTERSIGN_WEB_DIR?.trim() || resolve(here, "../../../web/dist")),
    ...(env.COUNTERSIGN_SETUP_CODE ? { setupCode: env.COUNTERSIGN_SETUP_CODE } : {}),
    ...(metrics ? { metrics } : {}),
    log,
  });

  const out = process.stdout;
  out.write(`\nCountersign is running. Open ${config.publicUrl} on your phone or computer.\n`);
  if (running.setupCode) {
    const link = pairingUrl(config.publicUrl, { setupCode: running.setupCode });
    out.write(`\nNo device is paired yet. Pair your phone with this link (or scan the QR code):\n\n  ${link}\n\n`);
    out.write(`Setup code: ${running.setupCode}\n\n`);
    qrcode.generate(link, { small: true }, (qr) => out.write(`${qr}\n`));
  }
  const host = env.HOST?.trim() || "::";
  if (new URL(config.publicUrl).protocol === "http:" && !LOOPBACK.has(host)) {
    // Browsers give a service worker, the device key and push only to a secure origin: a phone
    // opening this server over plain HTTP on the network gets a page that cannot pair.
    out.write(
      "Phones need HTTPS. This server speaks plain HTTP on every network interface, and a phone's browser\n" +
        "installs the app and receives notifications only from an https:// address. Put Caddy in front of it:\n" +
        "deploy/Caddyfile gets and renews a certificate by itself. Then set COUNTERSIGN_PUBLIC_URL to that\n" +
        'https:// address, COUNTERSIGN_TRUST_PROXY=1 and HOST=127.0.0.1 (docs/server.md, "HTTPS").\n\n',
    );
  }
  if (running.metricsUrl) out.write(`Prometheus metrics: ${running.metricsUrl}\n\n`);
  out.write(`Press Ctrl-C to stop.\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    running.close().then(
      () => process.exit(0),
      (error) => fail(`could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) fail(error.message);
  fail(`could not start: ${error instanceof Error ? error.message : String(error)}`);
});
