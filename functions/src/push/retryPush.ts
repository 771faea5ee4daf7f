import type { PushResult } from "./PushSender.js";

export interface RetryPolicy {
  /** Wait before each retry (its length is the number of retries), unless Retry-After asks for longer. */
  delaysMs: readonly number[];
  /** No retry starts later than this after the first failure. */
  maxTotalMs: number;
  /** The clock; default: real time (`Date.now` and a timer that does not keep the process alive). */
  clock?: { now(): number; sleep(ms: number): Promise<void> };
}

/** Two retries, after 250 ms and 1 s (or the push service's Retry-After), all within 5 s. */
export const DEFAULT_PUSH_RETRY: RetryPolicy = { delaysMs: [250, 1000], maxTotalMs: 5000 };

const realClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.()),
};

/**
 * Retries a push whose first attempt (`first`) failed retryably (network
 * error, 429, 5xx), honouring Retry-After, and gives up when the next wait
 * would end past `maxTotalMs`. Resolves with the last attempt's result.
 */
export async function retryPush(
  attempt: () => Promise<PushResult>,
  first: PushResult,
  policy: RetryPolicy = DEFAULT_PUSH_RETRY,
): Promise<{ result: PushResult; retries: number }> {
  const clock = policy.clock ?? realClock;
  const started = clock.now();
  let result = first;
  let retries = 0;
  for (const delay of policy.delaysMs) {
    if (result.ok || result.gone || !result.retryable) break;
    const wait = Math.max(delay, result.retryAfterMs ?? 0);
    if (clock.now() - started + wait > policy.maxTotalMs) break;
    await clock.sleep(wait);
    result = await attempt();
    retries += 1;
  }
  return { result, retries };
}
