/**
 * Returns a function that blanks the secrets and anything shaped like a link
 * token out of text, so no message, URL or server reply can print one.
 * `secrets` is read on every call: secrets learnt later (an OIDC token) count too.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  return (text) => {
    let result = text;
    for (const secret of secrets) {
      if (typeof secret === "string" && secret.length >= 8) result = result.split(secret).join("[redacted]");
    }
    return result.replace(/cs_[A-Za-z0-9_-]{8,}/g, "cs_…[redacted]");
  };
}
