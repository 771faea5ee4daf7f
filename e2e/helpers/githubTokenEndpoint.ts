import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Claims, type LocalOidcIssuer, startOidcIssuer } from "../harness/oidc-issuer.js";

/**
 * Stands in for GitHub's ID-token service: what a job with `permissions:
 * id-token: write` reaches through ACTIONS_ID_TOKEN_REQUEST_URL and
 * ACTIONS_ID_TOKEN_REQUEST_TOKEN. `GET <url>&audience=<aud>` with
 * `Authorization: bearer <request token>` answers `{"value": <ID token>}`,
 * signed by the local issuer for the audience asked for, as GitHub does.
 */
export interface GitHubTokenEndpoint {
  /** The env vars a GitHub Actions job with `id-token: write` has. */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** Claims of the tokens handed out (overrides of the issuer's GitHub claims); change it between runs. */
  claims: Claims;
  /** The audiences asked for, in order. */
  audiences: string[];
  close(): Promise<void>;
}

export async function startGitHubTokenEndpoint(
  issuer: LocalOidcIssuer,
  claims: Claims = {},
): Promise<GitHubTokenEndpoint> {
  const requestToken = randomBytes(24).toString("base64url");
  const audiences: string[] = [];
  const endpoint: GitHubTokenEndpoint = {
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken },
    claims,
    audiences,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method !== "GET" || url.pathname !== "/token") return send(404, { message: "Not Found" });
    if (request.headers.authorization !== `bearer ${requestToken}`) return send(401, { message: "Bad credentials" });
    const audience = url.searchParams.get("audience");
    if (!audience) return send(400, { message: "audience is required here" });
    audiences.push(audience);
    issuer.signGitHubToken(endpoint.claims, { audience }).then(
      (value) => send(200, { count: 1, value }),
      (error: unknown) => send(500, { message: String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // GitHub's URL already carries a query; the CLI adds `audience` to it.
  endpoint.env.ACTIONS_ID_TOKEN_REQUEST_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`;
  return endpoint;
}

/** The fixtures of a spec whose CI jobs get their ID tokens from GitHub: see `githubOidcFixtures`. */
export interface GitHubOidcFixtures {
  issuer: LocalOidcIssuer;
  github: GitHubTokenEndpoint;
}

/**
 * For `test.extend<GitHubOidcFixtures>(githubOidcFixtures)`: a local issuer, the
 * token service signing with it, and a server (through its `serverEnv`) that
 * trusts the issuer, keys found by discovery, as it would trust GitHub's.
 */
export const githubOidcFixtures = {
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a destructured object.
  issuer: async ({}, use: (issuer: LocalOidcIssuer) => Promise<void>) => {
    const issuer = await startOidcIssuer();
    await use(issuer);
    await issuer.close();
  },
  github: async ({ issuer }: { issuer: LocalOidcIssuer }, use: (endpoint: GitHubTokenEndpoint) => Promise<void>) => {
    const endpoint = await startGitHubTokenEndpoint(issuer);
    await use(endpoint);
    await endpoint.close();
  },
  serverEnv: async ({ issuer }: { issuer: LocalOidcIssuer }, use: (env: Record<string, string>) => Promise<void>) => {
    await use({ COUNTERSIGN_OIDC_ISSUERS: issuer.issuer });
  },
};

/**
 * The default variables of the GitHub Actions job the token service's tokens
 * describe: run 9876543210 of owner/repo's release workflow on main, pushed
 * by octocat. A spec sets another run id to tell a claimed run from the verified one.
 */
export const GITHUB_RELEASE_JOB_ENV = {
  CI: "true",
  GITHUB_ACTIONS: "true",
  GITHUB_REPOSITORY: "owner/repo",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_RUN_ID: "9876543210",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_SHA: "a3c1f0e9b6d24c8f9e7d5b3a1c0e8f6d4b2a9c7e",
  GITHUB_REF: "refs/heads/main",
  GITHUB_WORKFLOW: "Release",
  GITHUB_WORKFLOW_REF: "owner/repo/.github/workflows/release.yml@refs/heads/main",
  GITHUB_ACTOR: "octocat",
  GITHUB_EVENT_NAME: "push",
};
