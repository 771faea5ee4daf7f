import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PushPayload, PushSubscriptionBody } from "@countersign/shared";
import { expect } from "vitest";
import { loadConfig } from "../config.js";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { createLogger } from "../logger.js";
import { createOidcVerifier } from "../oidc/createOidcVerifier.js";
import { cryptoRandom } from "../secrets.js";
import { SqliteStore } from "../store/SqliteStore.js";

/** The domain's dependencies over a real SQLite file in `dir`, the test's clock, and a push sender that records. */
export interface DomainFixture {
  deps: Deps;
  /** The data directory (removed by `dispose`). */
  dir: string;
  /** Every push "sent", to which endpoint, in order. */
  sent: { to: string; payload: PushPayload }[];
  /** Closes whichever store `deps.store` holds by then and removes the directory. */
  dispose(): Promise<void>;
}

export function createDomainFixture(now: () => number, prefix = "countersign-domain-"): DomainFixture {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const sent: DomainFixture["sent"] = [];
  const clock = { now };
  const deps: Deps = {
    store: SqliteStore.open(dir),
    push: {
      vapidPublicKey: "test",
      send: async (subscription: PushSubscriptionBody, payload: PushPayload) => {
        sent.push({ to: subscription.endpoint, payload });
        return { ok: true };
      },
    },
    clock,
    random: cryptoRandom,
    config: loadConfig({}, { publicUrl: "https://otp.example.com", version: "test" }),
    log: createLogger("silent"),
    oidc: createOidcVerifier({ issuers: [], clock }),
  };
  return {
    deps,
    dir,
    sent,
    dispose: async () => {
      await deps.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Awaits `promise`, expecting it to reject with an AppError of `code`; returns that error. */
export async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}
