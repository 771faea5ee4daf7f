import type { Deps } from "../deps.js";
import { notifyExpired } from "./notifyDevices.js";
import { pruneSecurityEvents } from "./securityEvents.js";
import { sweepTransfers } from "./transfers.js";

/**
 * Expires unanswered requests past their time, wipes undelivered answers and
 * old records (see Store.sweep) and security events past their retention, notes the expiry in the audit log and tells
 * the devices so their notifications close.
 */
export async function sweepExpired(deps: Pick<Deps, "store" | "clock" | "push" | "log">): Promise<number> {
  const expired = await deps.store.sweep(deps.clock.now());
  await sweepTransfers(deps);
  await pruneSecurityEvents(deps);
  for (const request of expired) {
    await deps.store.updateAudit(request.id, { outcome: "expired", message: "Nobody answered in time." });
    await notifyExpired(deps, request);
  }
  if (expired.length > 0) deps.log.info("requests expired", { count: expired.length });
  return expired.length;
}
