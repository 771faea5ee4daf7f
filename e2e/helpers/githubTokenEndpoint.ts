import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Claims, LocalOidcIssuer } from "../harness/oidc-issuer.js";

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
