import type { ApprovalView } from "@countersign/shared";
import type { ApiClient } from "../api/client.js";

/** Fetches a request as this device may see it (its own module: approve.html asks before the screen loads). */
export async function fetchApproval(api: ApiClient, requestId: string) {
  return api.call<ApprovalView>("GET", `/api/v1/approvals/${encodeURIComponent(requestId)}`);
}
