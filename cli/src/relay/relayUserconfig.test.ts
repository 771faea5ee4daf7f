import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseNpmrc } from "./readNpmConfig.js";
import { writeRelayUserconfig } from "./relayUserconfig.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "countersign-userconfig-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** npm's own `${VAR}` syntax, kept as written. */
const TOKEN_REF = "$" + "{NODE_AUTH_TOKEN}";

const relay = {
  registry: "http://127.0.0.1:4873/p4th/0/",
  scopes: { "@acme": "http://127.0.0.1:4873/p4th/1/", "@beta": "http://127.0.0.1:4873/p4th/0/" },
};

describe("writeRelayUserconfig", () => {
  it("keeps the user's own config and adds the relay's registry, token and scopes below it, mode 600", async () => {
    const own = join(dir, "own.npmrc");
    await writeFile(own, `//registry.npmjs.org/:_authToken=${TOKEN_REF}\nfund=false\n`);
    const file = await writeRelayUserconfig({ dir, env: { NPM_CONFIG_USERCONFIG: own }, relay, secret: "csrun_s" });
    const entries = parseNpmrc(await readFile(file, "utf8"));
    expect(entries).toEqual([
      ["//registry.npmjs.org/:_authToken", TOKEN_REF],
      ["fund", "false"],
      ["registry", "http://127.0.0.1:4873/p4th/0/"],
      ["//127.0.0.1:4873/p4th/0/:_authToken", "csrun_s"],
      ["//127.0.0.1:4873/p4th/1/:_authToken", "csrun_s"],
      ["@acme:registry", "http://127.0.0.1:4873/p4th/1/"],
      ["@beta:registry", "http://127.0.0.1:4873/p4th/0/"],
    ]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("starts from ~/.npmrc, or from nothing", async () => {
    await writeFile(join(dir, ".npmrc"), "save-exact=true\n");
    const file = await writeRelayUserconfig({ dir, env: {}, relay, secret: "csrun_s", home: dir });
    expect(parseNpmrc(await readFile(file, "utf8"))[0]).toEqual(["save-exact", "true"]);
    const empty = await writeRelayUserconfig({ dir, env: {}, relay, secret: "csrun_s", home: join(dir, "nobody") });
    expect(parseNpmrc(await readFile(empty, "utf8"))[0]).toEqual(["registry", "http://127.0.0.1:4873/p4th/0/"]);
  });
});
