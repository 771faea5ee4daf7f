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

/** "14:05": a time of day as a clock shows it, in 24-hour form so it reads the same everywhere. */
export function clockTime(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

/** "512 bytes", "48.2 kB", "3.1 MB": a tarball's size, in the decimal units npm prints. */
export function formatBytes(size: number): string {
  if (size < 1000) return `${size} bytes`;
  if (size < 1_000_000) return `${(size / 1000).toFixed(1)} kB`;
  return `${(size / 1_000_000).toFixed(1)} MB`;
}

/** "sha512-AbCdEfGhIj…XyZ0==": an SRI integrity short enough for a phone, still recognisable at both ends. */
export function shortIntegrity(integrity: string): string {
  const dash = integrity.indexOf("-");
  const digest = integrity.slice(dash + 1);
  return digest.length <= 20 ? integrity : `${integrity.slice(0, dash + 1)}${digest.slice(0, 10)}…${digest.slice(-6)}`;
}

/** "www.npmjs.com": the host a URL opens, or the text itself when it is not a URL. */
export function urlHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
