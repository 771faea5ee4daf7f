import type { AuditEntry } from "@countersign/shared";
import type { Deps } from "../deps.js";
import type { DeviceRecord } from "../store/Store.js";
import { heldAccount } from "./accounts.js";

/**
 * An account's audit log, newest first, for a device that holds the account:
 * the newest `limit` entries of requests and, apart, the newest `limit`
 * refused calls, so refusals (however many) never push real requests out.
 */
export async function listHistory(
  deps: Pick<Deps, "store">,
  device: DeviceRecord,
  accountId: string,
  limit = 100,
): Promise<AuditEntry[]> {
  await heldAccount(deps, device, accountId);
  const [requests, refusals] = await Promise.all([
    deps.store.listAudit(accountId, limit, "requests"),
    deps.store.listAudit(accountId, limit, "refusals"),
  ]);
  return [...requests, ...refusals]
    .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map(({ accountId: _accountId, ...entry }) => entry);
}
