import { LinkPolicy, type LinkPolicyInput, MAX_OIDC_TOKEN_LENGTH } from "@countersign/shared";
import { decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";
import { checkConditions } from "./checkConditions.js";
import { createKeyResolver } from "./createKeyResolver.js";
import { describeVerifyError } from "./describeVerifyError.js";
import { normalizeClaims } from "./normalizeClaims.js";
import { quoteClaim } from "./quoteClaim.js";
import type { OidcVerifyResult, TrustedIssuer } from "./types.js";

/** Signature algorithms accepted: asymmetric only. Never `none`, never HS* (a public key is no secret). */
export const ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

/** Tolerated clock difference with the issuer, in seconds. */
export const CLOCK_SKEW_SECONDS = 60;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface OidcVerifierOptions {
  /** Issuers whose tokens may be accepted (see parseIssuerConfig). */
  issuers: readonly TrustedIssuer[];
  /** Used for discovery and JWKS requests; default the global fetch. */
  fetch?: typeof fetch;
  /** Time source for token expiry checks (ms since epoch); default Date.now. */
  clock?: { now(): number };
  /** How long fetched keys are trusted before refetching (ms); default 10 minutes. */
  jwksCacheMaxAge?: number;
  /**
   * Least time between refetches caused by a token with an unknown `kid`
   * (ms); default 30 s. Keeps bogus tokens from hammering the issuer; tests
   * set 0 to see a rotation at once.
   */
  cooldownMs?: number;
  /** Timeout of each discovery or JWKS request (ms); default 5 s. */
  timeoutMs?: number;
}

export interface VerifyOptions {
  /** Audience required when the policy names none: the server's public origin. */
  audience: string;
}

export interface OidcVerifier {
  /**
   * Verifies an OIDC ID token against a link's policy: signature by the
   * issuer's published keys, `iss`, `aud`, `exp`/`nbf`/`iat` (60 s skew), an
   * asymmetric algorithm, then the policy's conditions in a fixed order.
   * Never throws; a refusal names the first unmet check.
   */
  verify(token: string, policy: LinkPolicyInput, options: VerifyOptions): Promise<OidcVerifyResult>;
}

function refuse(reason: string): OidcVerifyResult {
  return { ok: false, reason };
}

/** Creates the verifier the server keeps for its lifetime (it caches each issuer's keys). */
export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  const trusted = new Map(options.issuers.map((entry) => [entry.issuer, entry]));
  const clock = options.clock ?? { now: () => Date.now() };
  const keysFor = createKeyResolver({
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    cacheMaxAge: options.jwksCacheMaxAge ?? 10 * 60_000,
    cooldown: options.cooldownMs ?? 30_000,
    timeout: options.timeoutMs ?? 5_000,
  });

  async function verify(rawToken: string, policyInput: LinkPolicyInput, verifyOptions: VerifyOptions) {
    const parsedPolicy = LinkPolicy.safeParse(policyInput);
    if (!parsedPolicy.success) return refuse("the link's policy is not valid; edit it in the app");
    const policy = parsedPolicy.data;
    const audience = policy.audience ?? verifyOptions.audience;

    const issuer = trusted.get(policy.issuer);
    if (!issuer) return refuse(`the link's issuer ${policy.issuer} is not trusted by this server`);

    const token = typeof rawToken === "string" ? rawToken.trim() : "";
    if (token.length > MAX_OIDC_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
      return refuse("the OIDC token is not a valid JWT");
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      return refuse("the OIDC token is not a valid JWT");
    }
    if (typeof header.alg !== "string" || !ALLOWED_ALGORITHMS.includes(header.alg)) {
      return refuse(`the token is signed with algorithm ${quoteClaim(header.alg ?? "(none)")}, which is not accepted`);
    }
    // Checked before any key is fetched, so a token from elsewhere costs no request.
    if (unverified.iss !== policy.issuer) {
      return refuse(
        `the token was issued by ${quoteClaim(unverified.iss ?? "(nobody)")}, the link only accepts ${policy.issuer}`,
      );
    }

    let payload: JWTPayload;
    try {
      const keys = await keysFor(issuer);
      const now = clock.now();
      ({ payload } = await jwtVerify(token, keys, {
        issuer: policy.issuer,
        audience,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(now),
        requiredClaims: ["exp", "iat"],
      }));
      // jose checks iat only together with a maximum age; a token from the future is refused here.
      if (typeof payload.iat !== "number" || payload.iat > now / 1000 + CLOCK_SKEW_SECONDS) {
        return refuse(`the OIDC token claims to be issued in the future (${quoteClaim(payload.iat)})`);
      }
    } catch (error) {
      return refuse(describeVerifyError(error, { audience, kid: header.kid }));
    }

    const normalized = normalizeClaims(policy.issuer, payload);
    if (!normalized.ok) return normalized;
    const unmet = checkConditions(policy, normalized.token);
    if (unmet) return refuse(unmet);
    return { ok: true as const, claims: normalized.token.claims };
  }

  return {
    async verify(token, policy, verifyOptions) {
      try {
        return await verify(token, policy, verifyOptions);
      } catch {
        return refuse("the OIDC token could not be verified");
      }
    },
  };
}
