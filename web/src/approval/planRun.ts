import { type ApprovalView, MAX_RUN_CODES } from "@countersign/shared";

/** What covering the rest of a run sends: codes for `count` steps, the last one valid until `until`. */
export interface RunPlan {
  /** When the last code stops being valid, at most the end of the run CI offered (ms since epoch). */
  until: number;
  /** How many codes, one per TOTP step from the step containing `now`. */
  count: number;
}

/**
 * How far an approval that covers the rest of CI's run reaches: every TOTP
 * step from the one containing `now` until the end of the run CI offered
 * (`createdAt + run.seconds`), at most MAX_RUN_CODES codes (a short period
 * then ends the run earlier). Null when CI offered no run, or when the run
 * ends within the two steps a one-time answer covers anyway.
 *
 * @param approval the request, for `createdAt` and `run`
 * @param period the account's TOTP period in seconds
 * @param now the phone's clock (ms since epoch)
 */
export function planRun(
  approval: Pick<ApprovalView, "createdAt" | "run">,
  period: number,
  now: number,
): RunPlan | null {
  if (!approval.run) return null;
  const periodMs = period * 1000;
  const stepStart = Math.floor(now / periodMs) * periodMs;
  const end = approval.createdAt + approval.run.seconds * 1000;
  const count = Math.ceil((end - stepStart) / periodMs);
  if (count <= 2) return null;
  if (count > MAX_RUN_CODES) return { until: stepStart + MAX_RUN_CODES * periodMs, count: MAX_RUN_CODES };
  return { until: end, count };
}
