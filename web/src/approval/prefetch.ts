import type { ApprovalView } from "@countersign/shared";
import type { ApiResult } from "../api/client.js";
import { getServices } from "../services.js";
// The page's state module, which the app imports too: this chunk then shares the app's state chunk
// (React, IndexedDB, the signing client) instead of splitting it in two (one more request).
import "../ui/state.js";
import { fetchApproval } from "./fetchApproval.js";

/**
 * approve.html's request, asked for as soon as the page is parsed (src/main.tsx), while React
 * loads: the approval screen's largest element is the request, and it waits for nothing else.
 * The call is the app's own signed one (the device key from IndexedDB, as getServices reads it),
 * so nothing about it changes but when it starts. The screen takes the answer once.
 */
let pending: { requestId: string; result: Promise<ApiResult<ApprovalView>> } | undefined;

/** Starts the signed call for /approve/<segment> (the path's segment, as the router reads it). */
export function prefetchApproval(segment: string): void {
  let requestId: string;
  try {
    requestId = decodeURIComponent(segment);
  } catch {
    return; // Not a request id: the screen says so when it asks.
  }
  pending = { requestId, result: getServices().then((services) => fetchApproval(services.api, requestId)) };
}

/** The prefetched answer for this request, once: later loads (a refresh after an answer) ask again. */
export function takePrefetchedApproval(requestId: string): Promise<ApiResult<ApprovalView>> | undefined {
  if (pending?.requestId !== requestId) return undefined;
  const { result } = pending;
  pending = undefined;
  return result;
}
