import type { Env } from "./detectCiContext.js";

export type OidcResult =
  | { kind: "none" }
  | { kind: "token"; token: string; source: string }
  | { kind: "warning"; message: string };

const MAX_TOKEN_LENGTH = 8192;
const REQUEST_TIMEOUT_MS = 10_000;

function usable(token: string | undefined): token is string {
  return token !== undefined && token.length >= 10 && token.length <= MAX_TOKEN_LENGTH;
}

/**
 * Finds an OIDC ID token proving which repository and workflow is asking:
 * COUNTERSIGN_ID_TOKEN if set (GitLab `id_tokens:`, or any CI), else on
 * GitHub Actions one requested for `audience` (needs `permissions: id-token:
 * write`). Failing to get one is a warning, never an error: the request then
 * goes out with claimed context only.
 */
export async function fetchOidcToken(env: Env, audience: string, fetchImpl: typeof fetch = fetch): Promise<OidcResult> {
  const given = env.COUNTERSIGN_ID_TOKEN?.trim();
  if (given) {
    if (!usable(given))
      return { kind: "warning", message: "COUNTERSIGN_ID_TOKEN does not look like an ID token; not sending it." };
    return { kind: "token", token: given, source: "COUNTERSIGN_ID_TOKEN" };
  }
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    if (env.GITHUB_ACTIONS === "true") {
      return {
        kind: "warning",
        message:
          "No OIDC token: add `permissions: id-token: write` to the job so the phone can show the repository as verified.",
      };
    }
    return { kind: "none" };
  }
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: "warning", message: "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL; sending no OIDC token." };
  }
  url.searchParams.set("audience", audience);
  try {
    const response = await fetchImpl(url, {
      headers: { Authorization: `bearer ${requestToken}`, Accept: "application/json" },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) {
      return { kind: "warning", message: `GitHub refused an OIDC token (HTTP ${response.status}); sending none.` };
    }
    const body = (await response.json()) as { value?: unknown };
    if (typeof body.value !== "string" || !usable(body.value)) {
      return { kind: "warning", message: "GitHub's OIDC answer had no usable token; sending none." };
    }
    return { kind: "token", token: body.value, source: "GitHub Actions" };
  } catch (error) {
    const reason = error instanceof Error && error.name === "TimeoutError" ? "timed out" : "failed";
    return { kind: "warning", message: `Requesting GitHub's OIDC token ${reason}; sending none.` };
  }
}
