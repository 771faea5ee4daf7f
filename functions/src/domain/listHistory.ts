import type { AuditEntry } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { getAccountOrThrow } from "./accounts.js";

/** An account's audit log, newest first. */
export async function listHistory(deps: Pick<Deps, "store">, accountId: string, limit = 100): Promise<AuditEntry[]> {
  await getAccountOrThrow(deps, accountId);
  return (await deps.store.listAudit(accountId, limit)).map(({ accountId: _accountId, ...entry }) => entry);
}
