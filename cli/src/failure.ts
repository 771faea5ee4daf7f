/** Why a run did not produce a code. Each kind has its own documented exit code. */
export type FailureKind = "usage" | "denied" | "timeout" | "unauthorized" | "unexpected";

export interface Failure {
  kind: FailureKind;
  /** One or two sentences for a human: what happened and what to do next. */
  message: string;
  /** The server's error code when it sent one (`denied`, `policy`, `expired`, …). */
  serverError?: string;
  requestId?: string;
}

/** Process exit codes; docs/cli.md lists them and pipelines may test for them. */
export const EXIT_CODES: Record<FailureKind | "ok", number> = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  denied: 3,
  timeout: 4,
  unauthorized: 5,
};

export function failure(kind: FailureKind, message: string, extra: Omit<Failure, "kind" | "message"> = {}): Failure {
  return { kind, message, ...extra };
}
