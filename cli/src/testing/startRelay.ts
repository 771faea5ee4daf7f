import { rm } from "node:fs/promises";
import { startServer } from "../../../e2e/helpers/server.js";

/** The real relay server, as the CLI's integration tests use it. */
export interface Relay {
  origin: string;
  setupCode: string;
  dataDir: string;
  logs(): string;
  /** SIGKILL: a crash, no goodbye to waiting clients. */
  crash(): Promise<void>;
  /** Starts again on the same port and data directory. */
  restart(): Promise<void>;
  /** A clean stop, then the data directory is removed. */
  stop(): Promise<void>;
}

/**
 * Runs the built standalone server (the e2e suite's launcher) on 127.0.0.1,
 * a free port and a fresh data directory, with the per-minute limit out of
 * the tests' way.
 */
export async function startRelay(env: Record<string, string> = {}): Promise<Relay> {
  const server = await startServer({
    host: "127.0.0.1",
    env: { HOST: "127.0.0.1", COUNTERSIGN_MAX_CALLS_PER_MINUTE: "10000", ...env },
  });
  return {
    origin: server.origin,
    setupCode: server.setupCode,
    dataDir: server.dataDir,
    logs: server.logs,
    crash: async () => {
      await server.kill("SIGKILL");
    },
    restart: server.restart,
    stop: async () => {
      await server.stop();
      await rm(server.dataDir, { recursive: true, force: true });
    },
  };
}
