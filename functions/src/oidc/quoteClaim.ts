const MAX_SHOWN = 120;

/**
 * A claim value as it may appear in a refusal reason: control characters
 * dropped and length capped, since reasons reach logs, the audit log and CI.
 */
export function quoteClaim(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "");
  return clean.length > MAX_SHOWN ? `${clean.slice(0, MAX_SHOWN)}…` : clean;
}
