/** What went wrong with a fetch that produced no HTTP response, and whether trying again can help. */
export interface NetworkProblem {
  /** e.g. "ECONNREFUSED", "ECONNRESET", "UND_ERR_SOCKET". */
  code: string;
  retryable: boolean;
}

const PERMANENT = new Set([
  "ENOTFOUND",
  "ERR_INVALID_URL",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

/** Digs the system error code out of undici's `TypeError: fetch failed` (the reason sits in `cause`). */
export function describeFetchError(error: unknown): NetworkProblem {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return { code, retryable: !PERMANENT.has(code) };
    current = (current as { cause?: unknown }).cause;
  }
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof Error && cause.message === "bad port")
    return { code: "port blocked by fetch", retryable: false };
  return { code: cause instanceof Error && cause.message ? cause.message : "connection failed", retryable: true };
}
