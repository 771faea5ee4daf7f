import { describe, expect, it } from "vitest";
import { OidcConfigError, parseIssuerConfig } from "./parseIssuerConfig.js";

const GITHUB = { issuer: "https://token.actions.githubusercontent.com" };
const GITLAB = { issuer: "https://gitlab.com" };

describe("parseIssuerConfig", () => {
  it("trusts GitHub Actions and gitlab.com, by discovery, when unset or blank", () => {
    expect(parseIssuerConfig(undefined)).toEqual([GITHUB, GITLAB]);
    expect(parseIssuerConfig("  ")).toEqual([GITHUB, GITLAB]);
  });

  it("reads issuers, with and without a JWKS URL, and drops trailing slashes", () => {
    expect(
      parseIssuerConfig(
        " https://gitlab.example.com/ , http://127.0.0.1:4100=http://127.0.0.1:4100/.well-known/jwks?v=1 ",
      ),
    ).toEqual([
      { issuer: "https://gitlab.example.com" },
      { issuer: "http://127.0.0.1:4100", jwksUrl: "http://127.0.0.1:4100/.well-known/jwks?v=1" },
    ]);
  });

  it("expands `default` next to other issuers and ignores repeats", () => {
    expect(parseIssuerConfig("default,https://gitlab.example.com,https://gitlab.com")).toEqual([
      GITHUB,
      GITLAB,
      { issuer: "https://gitlab.example.com" },
    ]);
  });

  it("trusts nobody with `none`", () => {
    expect(parseIssuerConfig("none")).toEqual([]);
    expect(() => parseIssuerConfig("none,https://gitlab.com")).toThrow(OidcConfigError);
  });

  it("refuses plain http except on loopback, for issuers and key URLs", () => {
    expect(() => parseIssuerConfig("http://gitlab.example.com")).toThrow(
      "COUNTERSIGN_OIDC_ISSUERS: issuer http://gitlab.example.com must use https (http only on 127.0.0.1 or localhost).",
    );
    expect(() => parseIssuerConfig("https://gitlab.example.com=http://keys.example.com/jwks")).toThrow(
      "the key URL for https://gitlab.example.com must use https",
    );
    expect(parseIssuerConfig("http://localhost:9000")).toEqual([{ issuer: "http://localhost:9000" }]);
  });

  it("names the bad entry when one is not a URL or carries a query", () => {
    expect(() => parseIssuerConfig("https://gitlab.com,gitlab")).toThrow('"gitlab" is not a URL');
    expect(() => parseIssuerConfig("https://gitlab.example.com=not a url")).toThrow('("not a url") is not a URL');
    expect(() => parseIssuerConfig("https://user:pw@gitlab.example.com")).toThrow("must not carry credentials");
  });

  it("refuses one issuer given two different key locations", () => {
    expect(() =>
      parseIssuerConfig("https://a.example=https://a.example/k1,https://a.example=https://a.example/k2"),
    ).toThrow("names https://a.example twice");
  });
});
