/**
 * A run link as the approver must read it: the host it really goes to first
 * (never user info, so `https://github.com@evil.example/…` reads
 * `evil.example/…`), then the path.
 */
export function runLinkText(value: string): string {
  try {
    const url = new URL(value);
    return `${url.host}${url.pathname}${url.search}`;
  } catch {
    return value;
  }
}
