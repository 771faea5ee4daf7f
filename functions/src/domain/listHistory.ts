import type { AuditEntry } from "@countersign/shared";
import type { Deps } from "../deps.js";
import type { DeviceRecord } from "../store/Store.js";
import { heldAccount } from "./accounts.js";

/** An account's audit log, newest first, for a device that holds the account. */
export async function listHistory(
  deps: Pick<Deps, "store">,
  device: DeviceRecord,
  accountId: string,
  limit = 100,
): Promise<AuditEntry[]> {
  await heldAccount(deps, device, accountId);
  return (await deps.store.listAudit(accountId, limit)).map(({ accountId: _accountId, ...entry }) => entry);
}
