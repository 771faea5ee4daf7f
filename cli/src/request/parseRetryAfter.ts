/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date); `fallbackMs` if absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number, fallbackMs: number): number {
  if (!header) return fallbackMs;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - now);
}
