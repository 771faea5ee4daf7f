import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseNpmrc, readNpmConfig } from "./readNpmConfig.js";

let root: string;
let home: string;
let project: string;
let prefix: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "countersign-npmrc-"));
  home = join(root, "home");
  project = join(root, "work", "repo");
  prefix = join(root, "prefix");
  await mkdir(home, { recursive: true });
  await mkdir(join(project, "packages", "a"), { recursive: true });
  await mkdir(join(prefix, "etc"), { recursive: true });
  await writeFile(join(project, "package.json"), "{}");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const read = (env: Record<string, string | undefined> = {}, cwd = project) =>
  readNpmConfig({ cwd, env, home, globalPrefix: prefix });

describe("readNpmConfig", () => {
  it("defaults to the public registry without credentials", () => {
    const config = read();
    expect(config.registry).toBe("https://registry.npmjs.org/");
    expect(config.credentialFor(config.registry)).toEqual({ kind: "none" });
  });

  it("reads setup-node's user config with ${NODE_AUTH_TOKEN}, as npm does", async () => {
    const userconfig = join(root, "runner-temp.npmrc");
    await writeFile(
      userconfig,
      "//registry.npmjs.org/:_authToken=${NODE_AUTH_TOKEN}\nregistry=https://registry.npmjs.org/\nalways-auth=false\n",
    );
    const config = read({ NPM_CONFIG_USERCONFIG: userconfig, NODE_AUTH_TOKEN: "npm_secret" });
    expect(config.credentialFor(config.registry)).toEqual({ kind: "bearer", token: "npm_secret" });
    expect(config.warnings).toEqual([]);
  });

  it("says which ${VAR} is not set", async () => {
    await writeFile(join(home, ".npmrc"), "//registry.npmjs.org/:_authToken=${NODE_AUTH_TOKEN}\n");
    const config = read();
    expect(config.warnings).toEqual(["${NODE_AUTH_TOKEN} in your npm config is not set."]);
    expect(config.credentialFor(config.registry)).toEqual({ kind: "none" });
  });

  it("takes env over the project's .npmrc over the user's over the global one, from a workspace folder too", async () => {
    await writeFile(
      join(prefix, "etc", "npmrc"),
      "registry=https://global.example/\n@acme:registry=https://g.example/\n",
    );
    await writeFile(join(home, ".npmrc"), "registry=https://user.example/\n//user.example/:_authToken=u\n");
    await writeFile(join(project, ".npmrc"), 'registry = "https://project.example/npm/"\n; comment\n# comment\n');
    expect(read({}, join(project, "packages", "a")).registry).toBe("https://project.example/npm/");
    expect(read({}, join(project, "packages", "a")).scopes).toEqual({ "@acme": "https://g.example/" });
    expect(read({ npm_config_registry: "https://env.example" }).registry).toBe("https://env.example/");
    expect(read({ NPM_CONFIG_REGISTRY: "https://ENV.example/" }).registry).toBe("https://ENV.example/");
    expect(read({ "npm_config_@acme:registry": "https://e.example/" }).scopes).toEqual({
      "@acme": "https://e.example/",
    });
  });

  it("finds a registry's credentials by the longest path match, in every form npm accepts", async () => {
    await writeFile(
      join(project, ".npmrc"),
      [
        "@acme:registry=https://npm.pkg.example/acme/",
        "//npm.pkg.example/:_authToken=host-wide",
        "//npm.pkg.example/acme/:_authToken=acme-only",
        "//basic.example/:_auth=dXNlcjpwYXNz",
        "//legacy.example/:username=user",
        `//legacy.example/:_password=${Buffer.from("pass").toString("base64")}`,
      ].join("\n"),
    );
    const config = read({ "npm_config_//env.example/:_authToken": "from-env" });
    expect(config.credentialFor("https://npm.pkg.example/acme/")).toEqual({ kind: "bearer", token: "acme-only" });
    expect(config.credentialFor("https://npm.pkg.example/other/")).toEqual({ kind: "bearer", token: "host-wide" });
    expect(config.credentialFor("https://basic.example/")).toEqual({ kind: "basic", auth: "dXNlcjpwYXNz" });
    expect(config.credentialFor("https://legacy.example/")).toEqual({
      kind: "basic",
      auth: Buffer.from("user:pass").toString("base64"),
    });
    expect(config.credentialFor("https://env.example/")).toEqual({ kind: "bearer", token: "from-env" });
    expect(config.credentialFor("https://evil.example/npm.pkg.example/")).toEqual({ kind: "none" });
  });
});

describe("parseNpmrc", () => {
  it("reads keys, quoted values and bare flags", () => {
    expect(parseNpmrc("a=1\n b = \"two words\" \nc\n[section]\nd='x'\n")).toEqual([
      ["a", "1"],
      ["b", "two words"],
      ["c", "true"],
      ["d", "x"],
    ]);
  });
});
