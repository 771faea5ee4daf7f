import { describe, expect, it } from "vitest";
import { expectUsageFailure } from "../testing/expectUsageFailure.js";
import { resolveLink } from "./resolveLink.js";

const TOKEN = "cs_abcdefghijklmnopqrstuvwxyz012345";

describe("resolveLink", () => {
  it("splits the link URL into server and token", () => {
    expect(resolveLink({ url: `https://cs.example.com/api/v1/otp/${TOKEN}` })).toEqual({
      ok: true,
      link: { base: "https://cs.example.com", origin: "https://cs.example.com", token: TOKEN },
    });
  });

  it("keeps a path prefix in front of /api", () => {
    expect(resolveLink({ url: `http://127.0.0.1:8080/relay/api/v1/otp/${TOKEN}/` })).toEqual({
      ok: true,
      link: { base: "http://127.0.0.1:8080/relay", origin: "http://127.0.0.1:8080", token: TOKEN },
    });
  });

  it("takes a server origin with COUNTERSIGN_TOKEN", () => {
    expect(resolveLink({ server: "https://cs.example.com/", token: ` ${TOKEN}\n` })).toEqual({
      ok: true,
      link: { base: "https://cs.example.com", origin: "https://cs.example.com", token: TOKEN },
    });
  });

  it("prefers the URL when both are given", () => {
    const result = resolveLink({
      url: `https://a.example/api/v1/otp/${TOKEN}`,
      server: "https://b.example",
      token: "x",
    });
    expect(result.ok && result.link.origin).toBe("https://a.example");
  });

  it.each([
    [{}, /No link given/],
    [{ url: "not a url" }, /not a URL/],
    [{ url: `ftp://a.example/api/v1/otp/${TOKEN}` }, /https:\/\//],
    [{ url: `https://user:pw@a.example/api/v1/otp/${TOKEN}` }, /user name or password/],
    [{ url: `https://a.example/otp/${TOKEN}` }, /must look like/],
    [{ url: "https://a.example/api/v1/otp/cs_short" }, /token is malformed/],
    [{ server: "https://a.example" }, /COUNTERSIGN_TOKEN/],
    [{ server: "https://a.example", token: "nope" }, /COUNTERSIGN_TOKEN is malformed/],
    [{ server: "https://a.example/?x=1", token: TOKEN }, /without \? or #/],
  ])("refuses %j without echoing a token", (sources, message) => {
    const said = expectUsageFailure(resolveLink(sources), message);
    expect(said).not.toContain("cs_short");
    expect(said).not.toContain(TOKEN);
  });
});
