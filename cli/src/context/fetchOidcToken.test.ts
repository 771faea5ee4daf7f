import { describe, expect, it } from "vitest";
import { sendJson, startHttpServer, startHttpServerPerTest } from "../testing/startHttpServer.js";
import { fetchOidcToken } from "./fetchOidcToken.js";

const ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJyZXBvc2l0b3J5Ijoib2N0by93aWRnZXQifQ.c2lnbmF0dXJl";

describe("fetchOidcToken", () => {
  const startServer = startHttpServerPerTest();

  it("asks GitHub's token endpoint for the server origin as audience", async () => {
    const github = await startServer((_request, response) => sendJson(response, 200, { value: ID_TOKEN }));
    const result = await fetchOidcToken(
      {
        GITHUB_ACTIONS: "true",
        ACTIONS_ID_TOKEN_REQUEST_URL: `${github.origin}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-secret",
      },
      "https://cs.example.com",
    );
    expect(result).toEqual({ kind: "token", token: ID_TOKEN, source: "GitHub Actions" });
    const [request] = github.requests;
    expect(request?.url).toBe("/token?api-version=2.0&audience=https%3A%2F%2Fcs.example.com");
    expect(request?.headers.authorization).toBe("bearer request-secret");
  });

  it("turns a refusal into a warning", async () => {
    const github = await startServer((_request, response) => sendJson(response, 403, { message: "no" }));
    const result = await fetchOidcToken(
      { ACTIONS_ID_TOKEN_REQUEST_URL: `${github.origin}/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-secret" },
      "https://cs.example.com",
    );
    expect(result).toEqual({ kind: "warning", message: expect.stringMatching(/HTTP 403/) });
  });

  it("turns an unreachable endpoint into a warning", async () => {
    const github = await startHttpServer(() => {});
    await github.close();
    const result = await fetchOidcToken(
      { ACTIONS_ID_TOKEN_REQUEST_URL: `${github.origin}/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-secret" },
      "https://cs.example.com",
    );
    expect(result.kind).toBe("warning");
  });

  it("uses COUNTERSIGN_ID_TOKEN (GitLab id_tokens) before anything else", async () => {
    expect(await fetchOidcToken({ GITLAB_CI: "true", COUNTERSIGN_ID_TOKEN: ID_TOKEN }, "https://x")).toEqual({
      kind: "token",
      token: ID_TOKEN,
      source: "COUNTERSIGN_ID_TOKEN",
    });
    expect((await fetchOidcToken({ COUNTERSIGN_ID_TOKEN: "short" }, "https://x")).kind).toBe("warning");
  });

  it("advises id-token: write on GitHub without a token endpoint, and stays quiet elsewhere", async () => {
    expect(await fetchOidcToken({ GITHUB_ACTIONS: "true" }, "https://x")).toEqual({
      kind: "warning",
      message: expect.stringContaining("id-token: write"),
    });
    expect(await fetchOidcToken({}, "https://x")).toEqual({ kind: "none" });
  });
});
