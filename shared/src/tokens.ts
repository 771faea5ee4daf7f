/** Link tokens: `cs_` then 32 base64url characters (192 random bits), so secret scanners can spot leaks. */
export const LINK_TOKEN_PREFIX = "cs_";
export const LINK_TOKEN_PATTERN = /^cs_[A-Za-z0-9_-]{32}$/;

/** Whether `text` has the shape of a link token (says nothing of whether it is valid). */
export function isLinkTokenFormat(text: string): boolean {
  return LINK_TOKEN_PATTERN.test(text);
}

/** Replaces anything shaped like a link token with `cs_…redacted`, for logs and messages. */
export function redactTokens(text: string): string {
  return text.replace(/cs_[A-Za-z0-9_-]{8,}/g, "cs_…redacted");
}
