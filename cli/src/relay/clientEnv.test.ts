import { describe, expect, it } from "vitest";
import { clientEnv } from "./clientEnv.js";

const relay = {
  registry: "http://127.0.0.1:4873/Zm9v/0/",
  scopes: { "@acme": "http://127.0.0.1:4873/Zm9v/1/", beta: "http://127.0.0.1:4873/Zm9v/2/" },
};

describe("clientEnv", () => {
  const env = clientEnv(relay, "csrun_secret");

  it("points npm (and pnpm 10, which runs npm) at the relay, per scope, with the secret for each relay URL only", () => {
    expect(env.npm_config_registry).toBe(relay.registry);
    expect(env["npm_config_@acme:registry"]).toBe(relay.scopes["@acme"]);
    expect(env["npm_config_@beta:registry"]).toBe(relay.scopes.beta);
    expect(env["npm_config_//127.0.0.1:4873/Zm9v/0/:_authToken"]).toBe("csrun_secret");
    expect(env["npm_config_//127.0.0.1:4873/Zm9v/1/:_authToken"]).toBe("csrun_secret");
    expect(env["npm_config_//127.0.0.1:4873/Zm9v/2/:_authToken"]).toBe("csrun_secret");
    expect(Object.keys(env).filter((name) => name.endsWith(":_authToken"))).toHaveLength(3);
  });

  it("routes pnpm 12's default registry and scopes through its _auth JSON", () => {
    expect(env.pnpm_config_registry).toBe(relay.registry);
    expect(JSON.parse(env.pnpm_config__auth ?? "")).toEqual({
      [relay.registry]: { "@": { authToken: "csrun_secret" } },
      [relay.scopes["@acme"]]: { "@acme": { authToken: "csrun_secret" } },
      [relay.scopes.beta]: { "@beta": { authToken: "csrun_secret" } },
    });
  });

  it("gives Yarn 1 the token and Yarn 2+ the registry, token on every request and plain http to the relay host", () => {
    expect(env.YARN_AUTH_TOKEN).toBe("csrun_secret");
    expect(env.YARN_ENABLE_STRICT_SETTINGS).toBe("false");
    expect(env).toMatchObject({
      YARN_NPM_REGISTRY_SERVER: relay.registry,
      YARN_NPM_PUBLISH_REGISTRY: relay.registry,
      YARN_NPM_AUTH_TOKEN: "csrun_secret",
      YARN_NPM_ALWAYS_AUTH: "true",
      YARN_UNSAFE_HTTP_WHITELIST: "127.0.0.1",
    });
  });

  it("gives semantic-release's npm plugin the registry under the upper-case name it reads", () => {
    expect(env.NPM_CONFIG_REGISTRY).toBe(relay.registry);
  });

  it("names a variable twice regardless of case only with one value, so case-insensitive readers see one", () => {
    const byName = new Map<string, Set<string>>();
    for (const [name, value] of Object.entries(env)) {
      byName.set(name.toLowerCase(), (byName.get(name.toLowerCase()) ?? new Set()).add(value));
    }
    expect([...byName.values()].every((values) => values.size === 1)).toBe(true);
  });

  it("keeps a registry-only relay to the default registry", () => {
    const only = clientEnv({ registry: "http://127.0.0.1:1/p/0/", scopes: {} }, "s");
    expect(Object.keys(only).filter((name) => /^npm_config_/i.test(name))).toEqual([
      "npm_config_registry",
      "NPM_CONFIG_REGISTRY",
      "npm_config_//127.0.0.1:1/p/0/:_authToken",
    ]);
    expect(JSON.parse(only.pnpm_config__auth ?? "")).toEqual({
      "http://127.0.0.1:1/p/0/": { "@": { authToken: "s" } },
    });
  });
});
