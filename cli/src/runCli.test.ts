import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { OtpRequestBody } from "@countersign/shared";
import { describe, expect, it } from "vitest";
import { runCli } from "./runCli.js";
import { sendJson, startHttpServer } from "./testing/startHttpServer.js";

const TOKEN = "cs_abcdefghijklmnopqrstuvwxyz012345";

async function run(argv: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk;
  });
  stderr.on("data", (chunk: Buffer) => {
    err += chunk;
  });
  const exitCode = await runCli(argv, { env, cwd: process.cwd(), stdout, stderr });
  await new Promise((resolve) => setImmediate(resolve));
  return { exitCode, stdout: out, stderr: err };
}

describe("runCli", () => {
  it("prints its version and help on stdout", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(await run(["--version"])).toEqual({ exitCode: 0, stdout: `${version}\n`, stderr: "" });
    const help = await run(["exec", "--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("NPM_CONFIG_OTP");
  });

  it.each([
    [["otp"], {}, /No link given/],
    [
      ["otp"],
      { COUNTERSIGN_URL: `https://x.example/api/v1/otp/${TOKEN}`, COUNTERSIGN_WAIT: "forever" },
      /COUNTERSIGN_WAIT/,
    ],
    [["otp", "--package", "@"], { COUNTERSIGN_URL: `https://x.example/api/v1/otp/${TOKEN}` }, /--package wants/],
    [["otp", "--url", `https://x.example/otp/${TOKEN}`], {}, /must look like/],
    [["otp"], { COUNTERSIGN_SERVER: "https://x.example", COUNTERSIGN_TOKEN: `${TOKEN}x` }, /malformed/],
  ])("exits 2 on %j %j, naming no token", async (argv, env, message) => {
    const result = await run(argv, env);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("abcdefghijklmnop");
  });

  it("prints the failure as JSON on stdout with --json", async () => {
    const result = await run(["otp", "--json"]);
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: "usage", exitCode: 2, message: expect.any(String) });
  });
});

describe("runCli secrets", () => {
  it("prints no token even when the server echoes the request back, with --verbose", async () => {
    const oidcToken = "eyJhbGciOiJSUzI1NiJ9.eyJyZXBvc2l0b3J5IjoiYWNtZS9yb2NrZXQifQ.c2lnbmF0dXJlLXNlY3JldA";
    const server = await startHttpServer((request, response) => {
      if (request.url.startsWith("/github-token")) return sendJson(response, 200, { value: oidcToken });
      sendJson(response, 400, {
        error: "bad_request",
        message: `echo ${request.headers.authorization} ${request.body}`,
      });
    });
    try {
      const result = await run(["otp", "--verbose", "--json"], {
        GITHUB_ACTIONS: "true",
        ACTIONS_ID_TOKEN_REQUEST_URL: `${server.origin}/github-token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "github-request-secret",
        COUNTERSIGN_URL: `${server.origin}/api/v1/otp/${TOKEN}`,
      });
      expect(result.exitCode).toBe(1);
      const sent = JSON.parse(server.requests[1]?.body ?? "{}");
      expect(sent.oidcToken).toBe(oidcToken);
      expect(server.requests[0]?.url).toContain(`audience=${encodeURIComponent(server.origin)}`);
      const output = result.stdout + result.stderr;
      expect(output).toContain("echo Bearer");
      for (const secret of [TOKEN, TOKEN.slice(3), oidcToken, "github-request-secret"]) {
        expect(output).not.toContain(secret);
      }
    } finally {
      await server.close();
    }
  });
});

describe("runCli request body", () => {
  it.each([
    [
      "GitHub",
      {
        GITHUB_ACTIONS: "true",
        GITHUB_REPOSITORY: "acme/rocket",
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_RUN_ID: "1",
        GITHUB_RUN_ATTEMPT: "1",
        GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
        GITHUB_REF: "refs/tags/v1.0.0",
        GITHUB_WORKFLOW: "Release",
        GITHUB_WORKFLOW_REF: "acme/rocket/.github/workflows/release.yml@refs/tags/v1.0.0",
        GITHUB_JOB: "publish",
        GITHUB_ACTOR: "wile",
        GITHUB_EVENT_NAME: "push",
      },
    ],
    [
      "GitLab",
      {
        GITLAB_CI: "true",
        CI_PROJECT_PATH: "group/rocket",
        CI_JOB_URL: "https://gitlab.com/group/rocket/-/jobs/1",
        CI_COMMIT_SHA: "0123456789abcdef0123456789abcdef01234567",
        CI_COMMIT_TAG: "v1.0.0",
        CI_JOB_NAME: "publish",
        GITLAB_USER_LOGIN: "wile",
        CI_PIPELINE_SOURCE: "push",
        CI_ENVIRONMENT_NAME: "npm",
        COUNTERSIGN_ID_TOKEN: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
      },
    ],
  ])("sends a body the server's strict schema accepts (%s)", async (_name, env) => {
    const server = await startHttpServer((_request, response) => sendJson(response, 401, { error: "unauthorized" }));
    try {
      const result = await run(["otp", "--package", "@acme/rocket@1.0.0"], {
        ...env,
        COUNTERSIGN_URL: `${server.origin}/api/v1/otp/${TOKEN}`,
      });
      expect(result.exitCode).toBe(5);
      const body = JSON.parse(server.requests[0]?.body ?? "{}");
      expect(OtpRequestBody.safeParse(body).error).toBeUndefined();
      expect(body).toMatchObject({
        package: { name: "@acme/rocket", version: "1.0.0" },
        context: { repository: expect.any(String), runUrl: expect.any(String) },
        wait: 240,
        publicKey: { kty: "EC", crv: "P-256" },
      });
    } finally {
      await server.close();
    }
  });
});
