import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeps } from "@countersign/functions/dist/buildDeps.js";
import { type Config, loadConfig } from "@countersign/functions/dist/config.js";
import type { Deps } from "@countersign/functions/dist/deps.js";
import { ensureSetupCode } from "@countersign/functions/dist/domain/devices.js";
import { listenLocal } from "@countersign/functions/dist/http/listenLocal.js";
import { createLogger } from "@countersign/functions/dist/logger.js";
import { SqliteStore } from "@countersign/functions/dist/store/SqliteStore.js";
import type { Store } from "@countersign/functions/dist/store/Store.js";

export interface Relay {
  url: string;
  deps: Deps;
  setupCode: string;
  /** Lines logged at warn or error (a 500 shows up here as "unexpected error"). */
  problems: string[];
  close(): Promise<void>;
}

export const SETUP_CODE = "BENCH-SETU-PCOD-E234";

/**
 * The real relay (createApp) in this process on 127.0.0.1, over a real store:
 * a SQLite file in a fresh temporary directory, or the Firestore store given.
 * Logging is at "warn" so a benchmark does not measure its log lines.
 */
export async function startRelay(
  options: { config?: Partial<Config>; store?: () => Promise<Store>; pushAllow?: string[] } = {},
): Promise<Relay> {
  const dataDir = mkdtempSync(join(tmpdir(), "countersign-bench-"));
  const store = options.store ? await options.store() : SqliteStore.open(dataDir);
  const problems: string[] = [];
  const log = createLogger("warn", (_level, line) => problems.push(line));
  const base = loadConfig({}, { publicUrl: "http://127.0.0.1:1", version: "bench" });
  const config: Config = { ...base, pushAllow: options.pushAllow ?? [], ...options.config };
  const deps = await buildDeps({ store, config, log });
  const setupCode = (await ensureSetupCode(deps, SETUP_CODE)) ?? "";
  const relay = await listenLocal(deps);
  relay.server.maxConnections = 30_000;
  return {
    url: relay.url,
    deps,
    setupCode,
    problems,
    async close() {
      await relay.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
