import type { RequestHandler } from "express";
import type { Deps } from "../deps.js";

/** How long the store may take to answer before the server counts as not ready. */
export const READY_TIMEOUT_MS = 5_000;

/**
 * `GET /api/v1/ready`: 200 when the store answers a read, 503 otherwise (a closed or
 * unreadable SQLite file, Firestore unreachable or slower than READY_TIMEOUT_MS). Unlike
 * `/health`, which says the process runs, this is what a load balancer or an orchestrator
 * should route on.
 */
export function readiness(deps: Deps, timeoutMs = READY_TIMEOUT_MS): RequestHandler {
  return async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const tooSlow = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      // Any read goes to the store itself: the setting need not exist.
      await Promise.race([deps.store.getSetting("readiness-probe"), tooSlow]);
      res.json({ status: "ready", store: deps.store.kind });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      deps.log.warn("not ready: the store did not answer", { store: deps.store.kind, reason });
      res.status(503).json({ error: "unavailable", message: `The ${deps.store.kind} store does not answer.` });
    } finally {
      clearTimeout(timer);
    }
  };
}
