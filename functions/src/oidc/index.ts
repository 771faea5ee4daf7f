export type { OidcVerifier, OidcVerifierOptions, VerifyOptions } from "./createOidcVerifier.js";
export { ALLOWED_ALGORITHMS, CLOCK_SKEW_SECONDS, createOidcVerifier } from "./createOidcVerifier.js";
export { DEFAULT_TRUSTED_ISSUERS, OidcConfigError, parseIssuerConfig } from "./parseIssuerConfig.js";
export type { OidcVerifyResult, TrustedIssuer, VerifiedClaims } from "./types.js";
