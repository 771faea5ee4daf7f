import { AppError } from "../errors.js";

/**
 * Per-address call budget in fixed one-minute windows, in memory: a cheap
 * first line against floods and code guessing from one address. (Per-link
 * limits, which matter for notification fatigue, live in the store.)
 */
export function createAddressLimiter(maxPerMinute: number, now: () => number) {
  const windows = new Map<string, { start: number; count: number }>();
  return function check(address: string): void {
    const time = now();
    if (windows.size > 10_000) {
      for (const [key, window] of windows) if (time - window.start >= 60_000) windows.delete(key);
    }
    let window = windows.get(address);
    if (!window || time - window.start >= 60_000) {
      window = { start: time, count: 0 };
      windows.set(address, window);
    }
    window.count++;
    if (window.count > maxPerMinute) {
      throw new AppError("rate_limited", "Too many calls from this address. Slow down.", {
        retryAfterSeconds: Math.max(1, Math.ceil((window.start + 60_000 - time) / 1000)),
      });
    }
  };
}
