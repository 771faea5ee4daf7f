/** Order statistics for benchmark samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Median and the min–max spread of several runs, e.g. "412 (398–430)". */
export function summarize(runs: readonly number[], digits = 0): string {
  const fmt = (value: number) => value.toFixed(digits);
  return `${fmt(median(runs))} (${fmt(Math.min(...runs))}–${fmt(Math.max(...runs))})`;
}
