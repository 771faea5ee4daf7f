/** "123 456" / "1234 5678": codes in two halves are easier to read and type. */
export function groupCode(otp: string): string {
  const half = Math.ceil(otp.length / 2);
  return `${otp.slice(0, half)} ${otp.slice(half)}`;
}

export function relativeTime(at: number | null, now = Date.now()): string {
  if (!at) return "never";
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return new Date(at).toLocaleDateString();
}

export function formatDuration(ms: number): string {
  if (ms <= 0) return "expired";
  const total = Math.ceil(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes ? `${minutes} min ${String(seconds).padStart(2, "0")} s` : `${seconds} s`;
}
