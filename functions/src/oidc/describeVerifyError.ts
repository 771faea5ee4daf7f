import { errors } from "jose";
import { KeyDiscoveryError } from "./createKeyResolver.js";
import { quoteClaim } from "./quoteClaim.js";

function when(seconds: unknown): string {
  return typeof seconds === "number" && Number.isFinite(seconds)
    ? new Date(seconds * 1000).toISOString()
    : quoteClaim(seconds);
}

/**
 * Says in a maintainer's words why jose refused a token. Messages name
 * claims and times, never the token.
 */
export function describeVerifyError(error: unknown, expected: { audience: string; kid: string | undefined }): string {
  if (error instanceof KeyDiscoveryError) return `the issuer's signing keys could not be found: ${error.message}`;
  if (error instanceof errors.JWTExpired) {
    return error.claim === "exp"
      ? `the OIDC token expired at ${when(error.payload.exp)}`
      : `the OIDC token is too old (issued at ${when(error.payload.iat)})`;
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") return `the OIDC token has no "${error.claim}" claim`;
    switch (error.claim) {
      case "aud":
        return `the token's audience is ${quoteClaim(error.payload.aud)}, the link only accepts ${expected.audience}`;
      case "nbf":
        return `the OIDC token is not valid before ${when(error.payload.nbf)}`;
      case "iat":
        return `the OIDC token claims to be issued in the future (${when(error.payload.iat)})`;
      case "iss":
        return `the token was issued by ${quoteClaim(error.payload.iss)}, which the link does not accept`;
      default:
        return `the OIDC token's "${quoteClaim(error.claim)}" claim is not acceptable`;
    }
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return `the token is signed with key id ${quoteClaim(expected.kid ?? "(none)")}, which the issuer does not publish`;
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) return "the issuer publishes several keys matching the token";
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "the token's signature does not verify against the issuer's published keys";
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token is signed with an algorithm that is not accepted";
  if (error instanceof errors.JWKSTimeout) return "the issuer's signing keys could not be fetched in time";
  if (error instanceof errors.JWKSInvalid) return "the issuer's key set is not valid";
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid)
    return "the OIDC token is not a valid JWT";
  if (error instanceof errors.JOSENotSupported) return "the OIDC token uses a key or algorithm that is not supported";
  if (error instanceof errors.JOSEError) return "the issuer's signing keys could not be fetched";
  if (error instanceof TypeError && /fetch/i.test(error.message))
    return "the issuer's signing keys could not be fetched";
  return "the OIDC token could not be verified";
}
