/**
 * Returns a function that blanks the given secrets and anything shaped like a
 * link token out of text, so no message, URL or server reply can print one.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const literal = secrets.filter((secret): secret is string => typeof secret === "string" && secret.length >= 8);
  return (text) => {
    let result = text;
    for (const secret of literal) result = result.split(secret).join("[redacted]");
    return result.replace(/cs_[A-Za-z0-9_-]{8,}/g, "cs_…[redacted]");
  };
}
