/*
 * The OIDC issuers a link's policy names, without zod: both the policy schema
 * (policy.ts) and its wording for the app (describePolicy.ts) use them.
 */

/** Issuer of GitHub Actions ID tokens. */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
/** Issuer of gitlab.com CI ID tokens (a self-managed GitLab issues as its own URL). */
export const GITLAB_COM_ISSUER = "https://gitlab.com";

/** Whether an issuer is GitHub Actions' (github.com or a GitHub Enterprise Server). */
export function isGitHubIssuer(issuer: string): boolean {
  return (
    issuer === GITHUB_ACTIONS_ISSUER ||
    issuer.startsWith(`${GITHUB_ACTIONS_ISSUER}/`) ||
    /\/_services\/token$/.test(issuer)
  );
}
