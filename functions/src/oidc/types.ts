/**
 * What a verified OIDC token proves about the CI run, normalized across
 * GitHub Actions and GitLab CI. Always present: `issuer`, `provider`
 * (`github` | `gitlab`), `repository`, `ref` (full, `refs/heads/main`),
 * `actor` and `runUrl` (built from the claims, never from what the caller
 * sent). Present when the token has them: `sha`, `workflow` (file path),
 * `jobWorkflow` (reusable workflow, when it differs), `eventName`,
 * `environment`, `runnerEnvironment`.
 */
export type VerifiedClaims = Record<string, string> & {
  issuer: string;
  provider: "github" | "gitlab";
  repository: string;
  ref: string;
  actor: string;
  runUrl: string;
};

/** Outcome of verifying a token against a link's policy. `reason` never contains the token. */
export type OidcVerifyResult = { ok: true; claims: VerifiedClaims } | { ok: false; reason: string };

/** A trusted issuer and, when not found by discovery, where its keys are. */
export interface TrustedIssuer {
  /** Exactly the `iss` its tokens carry, without a trailing slash. */
  issuer: string;
  /** JWKS URL; absent means OIDC discovery (`<issuer>/.well-known/openid-configuration` → `jwks_uri`). */
  jwksUrl?: string;
}
