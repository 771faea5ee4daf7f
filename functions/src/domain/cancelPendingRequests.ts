import type { Deps } from "../deps.js";
import { notifyExpired } from "./notifyDevices.js";

/**
 * Cancels the pending requests of an account (or of one of its links) when
 * who may answer them, or whether their link works, changed: a link revoked
 * or paused, an account deleted or left without a holder. Each goes through
 * the store's withdrawal door (a request is answered or cancelled, never
 * both): waiting CI calls wake and get an error saying why (see
 * `cancellationError`), the devices are told so the request leaves their
 * screens, and the history keeps `reason`. Returns how many were cancelled.
 */
export async function cancelPendingRequests(
  deps: Pick<Deps, "store" | "clock" | "push" | "log">,
  scope: { accountId: string; linkId?: string },
  reason: string,
): Promise<number> {
  const pending = (await deps.store.listPendingRequests([scope.accountId], deps.clock.now())).filter(
    (request) => scope.linkId === undefined || request.linkId === scope.linkId,
  );
  let cancelled = 0;
  for (const request of pending) {
    const outcome = await deps.store.withdrawRequest(request.id, { outcome: "expired", message: reason });
    if (!outcome.ok) continue;
    cancelled++;
    await notifyExpired(deps, request);
  }
  if (cancelled > 0) deps.log.info("pending requests cancelled", { ...scope, count: cancelled, reason });
  return cancelled;
}
