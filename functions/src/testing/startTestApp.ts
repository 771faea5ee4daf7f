import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeps } from "../buildDeps.js";
import { type Config, loadConfig } from "../config.js";
import type { Clock, Deps } from "../deps.js";
import { ensureSetupCode } from "../domain/devices.js";
import { listenLocal } from "../http/listenLocal.js";
import { createLogger, type LogLevel } from "../logger.js";
import type { OidcVerifierOptions } from "../oidc/createOidcVerifier.js";
import { SqliteStore } from "../store/SqliteStore.js";

export interface TestApp {
  url: string;
  deps: Deps;
  store: SqliteStore;
  dataDir: string;
  setupCode: string;
  logs: string[];
  /** Aborts waiting CI calls (as a shutdown does). */
  shutdown: AbortController;
  close(): Promise<void>;
}

/**
 * The real app (createApp) on an ephemeral port over a real SQLite file and a
 * real Web Push sender, for HTTP tests. Log lines are captured in `logs`.
 */
export async function startTestApp(
  options: {
    config?: Partial<Config>;
    clock?: Clock;
    pushAllow?: string[];
    logLevel?: LogLevel;
    /** Verifier settings beyond the issuers (`config.oidcIssuers`), e.g. `cooldownMs: 0`. */
    oidc?: Omit<OidcVerifierOptions, "issuers">;
  } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), "countersign-app-"));
  const store = SqliteStore.open(dataDir);
  const logs: string[] = [];
  const log = createLogger(options.logLevel ?? "debug", (_level, line) => logs.push(line));
  const base = loadConfig({}, { publicUrl: "http://localhost:1", version: "test" });
  const config: Config = { ...base, pushAllow: options.pushAllow ?? [], ...options.config };
  const deps = await buildDeps({ store, config, log, clock: options.clock, oidc: options.oidc });
  const setupCode = (await ensureSetupCode(deps, "TEST-SETU-PCOD-E234")) ?? "";
  const relay = await listenLocal(deps);
  return {
    url: relay.url,
    deps,
    store,
    dataDir,
    setupCode,
    logs,
    shutdown: relay.shutdown,
    async close() {
      await relay.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
