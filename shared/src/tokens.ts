/** Link tokens: `cs_` then 32 base64url characters (192 random bits), so secret scanners can spot leaks. */
export const LINK_TOKEN_PREFIX = "cs_";
export const LINK_TOKEN_PATTERN = /^cs_[A-Za-z0-9_-]{32}$/;

/** Whether `text` has the shape of a link token (says nothing of whether it is valid). */
export function isLinkTokenFormat(text: string): boolean {
  return LINK_TOKEN_PATTERN.test(text);
}

/**
 * A link token as it may appear in a URL: each character either itself or
 * percent-encoded (`cs_%41%41…`, `%63%73%5F…`), since a server that decodes
 * the path before looking the token up would accept every such spelling.
 */
const TOKEN_SHAPED = /(?:c|%63)(?:s|%73)(?:_|%5[fF])(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2}){8,}/g;

/**
 * Replaces anything shaped like a link token with `cs_…redacted`, for logs and
 * messages, in any percent-encoding of its characters.
 */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_SHAPED, "cs_…redacted");
}
