import { describe, expect, it } from "vitest";
import { createKeyResolver } from "./createKeyResolver.js";

const ISSUER = "https://gitlab.example.com";

function serving(document: unknown, status = 200): typeof fetch {
  return async () =>
    new Response(JSON.stringify(document), { status, headers: { "content-type": "application/json" } });
}

const options = (fetchImpl: typeof fetch) => ({ fetch: fetchImpl, cacheMaxAge: 60_000, cooldown: 0, timeout: 1000 });

describe("createKeyResolver discovery", () => {
  it("refuses a discovery document that names another issuer", async () => {
    const keysFor = createKeyResolver(options(serving({ issuer: "https://evil.example", jwks_uri: `${ISSUER}/k` })));
    await expect(keysFor({ issuer: ISSUER })).rejects.toThrow(
      `${ISSUER}/.well-known/openid-configuration names a different issuer`,
    );
  });

  it("refuses keys served over plain http from a public host", async () => {
    const keysFor = createKeyResolver(options(serving({ issuer: ISSUER, jwks_uri: "http://gitlab.example.com/k" })));
    await expect(keysFor({ issuer: ISSUER })).rejects.toThrow("points to keys over plain http");
  });

  it("reports an HTTP error and retries discovery on the next call", async () => {
    let calls = 0;
    const failing: typeof fetch = async (...args) => {
      calls += 1;
      return serving({ error: "down" }, 503)(...args);
    };
    const keysFor = createKeyResolver(options(failing));
    await expect(keysFor({ issuer: ISSUER })).rejects.toThrow("answered HTTP 503");
    await expect(keysFor({ issuer: ISSUER })).rejects.toThrow("answered HTTP 503");
    expect(calls).toBe(2);
  });

  it("uses a configured key URL without discovery", async () => {
    let calls = 0;
    const counting: typeof fetch = async () => {
      calls += 1;
      return new Response("{}");
    };
    const keysFor = createKeyResolver(options(counting));
    expect(typeof (await keysFor({ issuer: ISSUER, jwksUrl: `${ISSUER}/oauth/discovery/keys` }))).toBe("function");
    expect(calls).toBe(0);
  });
});
