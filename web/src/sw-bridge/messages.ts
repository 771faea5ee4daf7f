import type { RequestStatus } from "@countersign/shared";

/** Messages the service worker posts to open pages. The sw-bridge module is their only reader. */
export type WorkerMessage =
  | { type: "approval-request"; requestId: string }
  | { type: "request-answered"; requestId: string; status: RequestStatus; answeredBy: string }
  | { type: "open-approval"; requestId: string };

export function isWorkerMessage(data: unknown): data is WorkerMessage {
  if (!data || typeof data !== "object") return false;
  const record = data as Record<string, unknown>;
  return (
    (record.type === "approval-request" || record.type === "request-answered" || record.type === "open-approval") &&
    typeof record.requestId === "string"
  );
}

/** One notification per request: a repeat replaces it, an answer closes it. */
export function notificationTag(requestId: string): string {
  return `countersign-request-${requestId}`;
}
