/**
 * `clientEnv` (what `countersign exec` puts in the command's environment)
 * makes every real publishing client publish to the relay's URL with the
 * relay's secret, although the project's own .npmrc / .yarnrc / .yarnrc.yml
 * name another registry and another token. Plain Node tests: no browser.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { clientEnv } from "../../cli/src/relay/clientEnv.js";
import { type RecordingRegistry, startRecordingRegistry } from "../harness/recordingRegistry.js";
import { runCommand } from "../helpers/npmPackage.js";
import { CLIENTS, type ClientName } from "../helpers/publishingClients.js";

const SECRET = "csrun_relay-secret-for-this-run";
const OTHER_TOKEN = "project-token-that-must-not-be-used";

let relay: RecordingRegistry;
let other: RecordingRegistry;
test.beforeEach(async () => {
  relay = await startRecordingRegistry();
  other = await startRecordingRegistry();
});
test.afterEach(async () => {
  await relay.close();
  await other.close();
});

/** The inherited environment without any client setting, with a throwaway home (no user config). */
function cleanEnv(home: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_config_|pnpm_config_|yarn_|npm_|pnpm_home)/i.test(name)) env[name] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_DATA_HOME: join(home, ".local/share"),
    npm_config_cache: join(home, ".npm"),
    npm_config_update_notifier: "false",
    YARN_CACHE_FOLDER: join(home, ".yarn-cache"),
    YARN_ENABLE_TELEMETRY: "0",
    YARN_ENABLE_GLOBAL_CACHE: "false",
    CI: "true",
  };
}

/** A project whose own configuration points every client at the other registry, with another token. */
function makeProject(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "countersign-clients-"));
  const otherUrl = `${other.origin}/other/`;
  const otherHost = new URL(other.origin).host;
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", license: "MIT", files: ["index.js"] }),
  );
  writeFileSync(join(dir, "index.js"), "module.exports = 42;\n");
  writeFileSync(
    join(dir, ".npmrc"),
    [
      `registry=${otherUrl}`,
      `@acme:registry=${other.origin}/acme/`,
      `//${otherHost}/:_authToken=${OTHER_TOKEN}`,
      `//${otherHost}/other/:_authToken=${OTHER_TOKEN}`,
      `//${otherHost}/acme/:_authToken=${OTHER_TOKEN}`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, ".yarnrc"), `registry "${otherUrl}"\n`);
  writeFileSync(
    join(dir, ".yarnrc.yml"),
    [
      `npmRegistryServer: "${otherUrl}"`,
      `npmPublishRegistry: "${otherUrl}"`,
      `npmAuthToken: "${OTHER_TOKEN}"`,
      "npmAlwaysAuth: false",
      "",
    ].join("\n"),
  );
  return dir;
}

const cases: { client: ClientName; scoped: boolean }[] = (
  ["npm11", "npm12", "pnpm10", "pnpm12", "yarn1", "yarn4"] as const
).flatMap((client) => [
  { client, scoped: false },
  { client, scoped: true },
]);

for (const { client: name, scoped } of cases) {
  test(`${name} publishes ${scoped ? "a @acme package" : "a package"} to the relay with its secret only`, async () => {
    const client = CLIENTS[name];
    const pkg = scoped ? `@acme/clients-${name}` : `clients-${name}`;
    const dir = makeProject(pkg);
    const home = mkdtempSync(join(tmpdir(), "countersign-home-"));
    mkdirSync(join(home, ".config"));
    const registries = {
      registry: `${relay.origin}/pfx/r0/`,
      scopes: { "@acme": `${relay.origin}/pfx/r1/` },
    };
    const env = { ...cleanEnv(home), ...clientEnv(registries, SECRET) };

    if (name === "yarn4") {
      // A Yarn 4 project has a lockfile; a package without dependencies installs offline.
      const install = await runCommand(client.command, [...client.args, "install"], {
        cwd: dir,
        env: { ...env, YARN_ENABLE_IMMUTABLE_INSTALLS: "false" },
      });
      expect(install.code, install.stdout).toBe(0);
    }
    const result = await runCommand(client.command, [...client.args, ...client.publish], { cwd: dir, env });
    expect(result.code, result.stdout + result.stderr).toBe(0);

    // Yarn 2+ publishes every package, scoped or not, to the publish registry unless the
    // scope names its own npmPublishRegistry (npmConfigUtils.getPublishRegistry).
    const base = scoped && name !== "yarn4" ? registries.scopes["@acme"] : registries.registry;
    const encoded = scoped ? `@acme%2fclients-${name}` : `clients-${name}`;
    const puts = relay.requests.filter((entry) => entry.method === "PUT");
    expect(puts.map((entry) => entry.path)).toEqual([`${new URL(base).pathname}${encoded}`]);
    expect(relay.requests.length).toBeGreaterThan(0);
    for (const entry of relay.requests) {
      expect(entry.authorization, `${entry.method} ${entry.path}`).toBe(`Bearer ${SECRET}`);
    }
    expect(other.requests).toEqual([]);
  });
}
