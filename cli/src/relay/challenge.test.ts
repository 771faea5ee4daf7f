import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { checkWebChallenge, describeAuthUrl, pollDone, readChallenge } from "./challenge.js";

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("readChallenge", () => {
  it("reads npm's classic and web challenges as npm-registry-fetch does", () => {
    expect(readChallenge(401, "OTP", json({ error: "otp required" }))).toEqual({ type: "otp" });
    expect(readChallenge(401, "Bearer realm=x, otp", Buffer.from(""))).toEqual({ type: "otp" });
    expect(readChallenge(401, undefined, Buffer.from("This operation requires a one-time password."))).toEqual({
      type: "otp",
    });
    expect(
      readChallenge(
        401,
        "OTP",
        json({ authUrl: "https://www.npmjs.com/auth/cli/1", doneUrl: "https://registry.npmjs.org/-/v1/done?authId=1" }),
      ),
    ).toEqual({
      type: "web",
      authUrl: "https://www.npmjs.com/auth/cli/1",
      doneUrl: "https://registry.npmjs.org/-/v1/done?authId=1",
    });
  });

  it("leaves every other answer alone", () => {
    expect(readChallenge(401, "Bearer", json({ error: "You must be logged in" }))).toBeNull();
    expect(readChallenge(401, "IPAddress", Buffer.from(""))).toBeNull();
    expect(readChallenge(403, "OTP", json({ error: "one-time pass" }))).toBeNull();
    expect(readChallenge(200, undefined, Buffer.from("{}"))).toBeNull();
  });
});

describe("checkWebChallenge", () => {
  const npmjs = new URL("https://registry.npmjs.org/");
  const done = "https://registry.npmjs.org/-/v1/done?authId=1";

  it("offers npm's own pages", () => {
    expect(checkWebChallenge({ authUrl: "https://www.npmjs.com/auth/cli/1", doneUrl: done }, npmjs)).toBeNull();
    expect(checkWebChallenge({ authUrl: "https://registry.npmjs.org/auth/1", doneUrl: done }, npmjs)).toBeNull();
    const local = new URL("http://localhost:4873/");
    expect(
      checkWebChallenge({ authUrl: "http://localhost:4873/auth/1", doneUrl: "http://localhost:4873/-/v1/done" }, local),
    ).toBeNull();
  });

  it.each([
    ["http://www.npmjs.com/auth/cli/1", done, "not https"],
    ["https://evil.example/auth", done, "evil.example"],
    ["https://www.npmjs.com.evil.example/auth", done, "www.npmjs.com.evil.example"],
    ["https://user:pw@www.npmjs.com/auth", done, "credentials"],
    ["https://www.npmjs.com/auth/cli/1", "https://evil.example/-/v1/done", "doneUrl is on https://evil.example"],
    ["javascript:alert(1)", done, "not https"],
    ["not a url", done, "not a URL"],
  ])("refuses authUrl %s / doneUrl %s", (authUrl, doneUrl, reason) => {
    expect(checkWebChallenge({ authUrl, doneUrl }, npmjs)).toContain(reason);
  });

  it("allows plain http only for a registry that is itself plain http on this machine", () => {
    const remote = new URL("http://registry.internal.example/");
    expect(
      checkWebChallenge(
        { authUrl: "http://registry.internal.example/auth", doneUrl: "http://registry.internal.example/done" },
        remote,
      ),
    ).toContain("not https");
  });
});

describe("describeAuthUrl", () => {
  it("keeps the secret part of the URL out of logs", () => {
    expect(describeAuthUrl("https://www.npmjs.com/auth/cli/7f1c9a3e-secret")).toBe("https://www.npmjs.com/auth/…");
  });
});

describe("pollDone", () => {
  it("waits through 202s with Retry-After and returns the token, sending the registry's auth", async () => {
    const seen: string[] = [];
    let calls = 0;
    const server = createServer((request, response) => {
      seen.push(String(request.headers.authorization));
      calls++;
      if (calls < 3) response.writeHead(202, { "retry-after": "1", "content-type": "application/json" }).end("{}");
      else response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "web-otp" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const slept: number[] = [];
    try {
      const token = await pollDone(`http://127.0.0.1:${(server.address() as AddressInfo).port}/-/v1/done?authId=1`, {
        headers: { authorization: "Bearer npm_x" },
        signal: new AbortController().signal,
        sleep: async (ms) => {
          slept.push(ms);
        },
      });
      expect(token).toBe("web-otp");
      expect(slept).toEqual([1000, 1000]);
      expect(seen).toEqual(["Bearer npm_x", "Bearer npm_x", "Bearer npm_x"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("stops when aborted and fails on an unexpected answer", async () => {
    const server = createServer((_request, response) => {
      response.writeHead(404, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`;
    try {
      await expect(pollDone(url, { headers: {}, signal: new AbortController().signal })).rejects.toThrow("HTTP 404");
      const aborted = new AbortController();
      aborted.abort();
      await expect(pollDone(url, { headers: {}, signal: aborted.signal })).rejects.toThrow();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
