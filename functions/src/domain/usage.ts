/**
 * "Last used" of a link and "last seen" of a device are kept to the minute:
 * a link or device busy with many calls costs one write a minute, not one per call.
 */
export const USAGE_RESOLUTION_MS = 60_000;

/** Whether a last-used/last-seen time recorded at `previous` is worth rewriting at `now`. */
export function usageIsStale(previous: number | null, now: number): boolean {
  return previous === null || now - previous >= USAGE_RESOLUTION_MS;
}
