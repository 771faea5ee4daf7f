/**
 * Runs every recipe of docs/recipes.md as CI would: its steps in order, each
 * `run:` line with bash and the environment its step gives (secrets filled
 * in), against a real Countersign server, the registry harness (a TOTP
 * account) and a phone that approves through the signed device API — the
 * browser adds nothing to these runs (exec.spec, exec-passkey.spec and
 * exec-release.spec drive the app).
 *
 * What stands in for the CI machine, and why:
 * - `npx -y countersign@<version>` is this repository's built CLI: a `npx`
 *   shim first on PATH runs `node cli/dist/bin.js` for exactly the version in
 *   cli/package.json (the registry here is the harness, which has no
 *   countersign package) and hands everything else to the real npx.
 * - `actions/setup-node` with `registry-url` writes the `.npmrc` it writes on
 *   GitHub (`//<registry>/:_authToken=${NODE_AUTH_TOKEN}`, `registry=…`) and
 *   exports `NPM_CONFIG_USERCONFIG`; registry.npmjs.org is the harness. The
 *   user's `~/.npmrc` names the harness too: npm's default registry.
 * - `pnpm/action-setup` and `corepack enable` put the recipe's pnpm or Yarn
 *   on PATH: the ones installed as e2e dev dependencies.
 * - What `npm ci` installs (changesets, lerna, semantic-release) is the
 *   repository's node_modules, linked into the project.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect, test } from "../fixtures.js";
import { startRegistry } from "../harness/registry.js";
import { ApiDevice } from "../helpers/apiDevice.js";
import { GITHUB_ENV } from "../helpers/execPhone.js";
import { runCommand } from "../helpers/npmPackage.js";
import { CLI_ENTRY, REPO_ROOT } from "../helpers/paths.js";
import { CLIENTS } from "../helpers/publishingClients.js";
import { ciSteps, readRecipes } from "../helpers/recipes.js";
import { commitAll, GIT_ENV, makeWorkspace } from "../helpers/releaseProject.js";
import { testAccount } from "./app/support/app.js";

const npm = testAccount("npm", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
const CLI_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "cli/package.json"), "utf8")) as { version: string })
  .version;
const recipes = readRecipes(join(REPO_ROOT, "docs/recipes.md"));
const NPMJS = "https://registry.npmjs.org";

/** What each recipe publishes, and the project it publishes from (as checked out, dependencies installed). */
const PROJECTS: Record<string, { yarn?: "yarn1" | "yarn4"; expect: string[]; make: () => string }> = {
  npm: { expect: ["recipe-npm"], make: () => single("recipe-npm") },
  "npm-gitlab": { expect: ["recipe-npm-gitlab"], make: () => single("recipe-npm-gitlab") },
  pnpm: { expect: ["recipe-pnpm"], make: () => single("recipe-pnpm") },
  yarn1: { yarn: "yarn1", expect: ["recipe-yarn1"], make: () => single("recipe-yarn1") },
  yarn4: { yarn: "yarn4", expect: ["recipe-yarn4"], make: () => single("recipe-yarn4") },
  changesets: {
    expect: ["recipe-cs-a", "recipe-cs-b", "recipe-cs-c"],
    make: () => {
      // After `changeset version`: the versions are bumped, the changesets consumed.
      const dir = makeWorkspace({
        npmrc: "",
        packages: ["a", "b", "c"].map((x) => ({ name: `recipe-cs-${x}`, version: "1.1.0" })),
        files: { ".changeset/config.json": JSON.stringify({ changelog: false, commit: false, access: "public" }) },
      });
      return installed(dir);
    },
  },
  lerna: {
    expect: ["recipe-lerna-a", "recipe-lerna-b", "recipe-lerna-c"],
    make: () => {
      const dir = makeWorkspace({
        npmrc: "",
        packages: ["a", "b", "c"].map((x) => ({ name: `recipe-lerna-${x}`, version: "2.0.0" })),
        files: { "lerna.json": JSON.stringify({ version: "2.0.0", npmClient: "npm" }) },
      });
      return installed(dir);
    },
  },
  "semantic-release": {
    expect: ["recipe-semrel"],
    make: () => {
      const dir = single("recipe-semrel", "0.0.0-development");
      for (const [path, text] of Object.entries(recipes.find((r) => r.id === "semantic-release")?.files ?? {})) {
        writeFileSync(join(dir, path), text);
      }
      return installed(dir, { origin: true, message: "feat: the first release" });
    },
  },
};

function single(name: string, version = "1.0.0"): string {
  const dir = mkdtempSync(join(tmpdir(), "countersign-recipe-"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, version, description: "e2e", license: "MIT", files: ["index.js"] }),
  );
  writeFileSync(join(dir, "index.js"), "module.exports = 42;\n");
  return dir;
}

/** The project as `npm ci` leaves it (the tools from the repository's node_modules), committed to git. */
function installed(dir: string, options: { origin?: boolean; message?: string } = {}): string {
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  commitAll(dir, options.message ?? "chore: release", { origin: options.origin });
  return dir;
}

/** PATH entries standing in for what the recipe's setup steps install. */
function shims(yarn: "yarn1" | "yarn4" | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), "countersign-shims-"));
  const realNpx = join(dirname(process.execPath), "npx");
  const script = (name: string, body: string) =>
    writeFileSync(join(dir, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  script(
    "npx",
    [
      `if [ "$1" = "-y" ] && [ "$2" = "countersign@${CLI_VERSION}" ]; then shift 2; exec "${process.execPath}" "${CLI_ENTRY}" "$@"; fi`,
      `case "$*" in *countersign*) echo "recipe shim: unexpected countersign invocation: $*" >&2; exit 99;; esac`,
      `exec "${realNpx}" "$@"`,
    ].join("\n"),
  );
  script("pnpm", `exec "${CLIENTS.pnpm12.command}" "$@"`);
  script("corepack", `[ "$1" = "enable" ] || { echo "recipe shim: corepack $*" >&2; exit 99; }`);
  if (yarn) script("yarn", `exec "${process.execPath}" ${CLIENTS[yarn].args.map((a) => `"${a}"`).join(" ")} "$@"`);
  return dir;
}

/** The CI machine's environment: none of this test runner's npm_* variables, a clean home, the GitHub job. */
function ciEnvironment(home: string, shimDir: string): Record<string, string | undefined> {
  // runCommand starts from process.env: unset what this runner's npx exported (its userconfig above all).
  const env: Record<string, string | undefined> = {};
  for (const name of Object.keys(process.env)) {
    if (/^(npm_|yarn_|pnpm_|countersign_)/i.test(name)) env[name] = undefined;
  }
  return {
    ...env,
    ...GITHUB_ENV,
    ...GIT_ENV,
    HOME: home,
    RUNNER_TEMP: join(home, "runner-temp"),
    PATH: `${shimDir}:${process.env.PATH}`,
    YARN_ENABLE_TELEMETRY: "0",
  };
}

/** Approves every request that reaches the phone; returns what it approved. */
function approveAll(phone: ApiDevice) {
  const approved: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const pending = (await phone.approvals()).filter((approval) => approval.status === "pending");
      for (const approval of pending) {
        await phone.approve(approval, npm.params);
        approved.push(approval.operation?.package?.name ?? "?");
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    approved,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

test("every recipe in docs/recipes.md has a project here, and the other way round", () => {
  expect(recipes.map((recipe) => recipe.id).sort()).toEqual(Object.keys(PROJECTS).sort());
  for (const recipe of recipes) {
    const lines = ciSteps(recipe).filter((step) => step.kind === "run" && step.run.includes("countersign"));
    expect(lines.length, recipe.id).toBe(1);
    expect(recipe.text, recipe.id).toContain(`npx -y countersign@${CLI_VERSION} exec -- `);
  }
});

for (const recipe of recipes) {
  test(`recipe "${recipe.id}" publishes with one approval`, async ({ server }) => {
    test.setTimeout(180_000);
    const project = PROJECTS[recipe.id];
    if (!project) throw new Error(`no project for recipe ${recipe.id}`);
    const registry = await startRegistry(npm.params);
    const phone = await ApiDevice.pair(server.origin, { setupCode: server.setupCode }, "Alice's phone");
    const account = await phone.createAccount(npm.issuer, npm.label);
    const link = await phone.createLink(account.id, "release workflow");
    const approver = approveAll(phone);
    try {
      const host = new URL(registry.url).host;
      const home = mkdtempSync(join(tmpdir(), "countersign-home-"));
      writeFileSync(join(home, ".npmrc"), `registry=${registry.url}\n`);
      const dir = project.make();
      const env = ciEnvironment(home, shims(project.yarn));
      if (project.yarn === "yarn4") {
        // The project's committed lockfile.
        writeFileSync(join(dir, "yarn.lock"), "");
        const install = await runCommand("yarn", ["install"], {
          cwd: dir,
          env: { ...env, CI: undefined, YARN_ENABLE_IMMUTABLE_INSTALLS: "false" },
        });
        expect(install.code, install.stdout).toBe(0);
      }
      const secrets: Record<string, string> = {
        COUNTERSIGN_URL: link.url,
        NPM_TOKEN: registry.authToken,
        GITHUB_TOKEN: "ghs_unused",
      };
      const fill = (text: string) =>
        text
          .replace(/\$\{\{\s*secrets\.(\w+)\s*\}\}/g, (_, name: string) => secrets[name] ?? "")
          .replaceAll(`//registry.npmjs.org/`, `//${host}/`);
      // GitLab hands its CI/CD variables to every script line.
      const jobEnv: Record<string, string> = recipe.id.endsWith("-gitlab")
        ? { COUNTERSIGN_URL: link.url, NPM_TOKEN: registry.authToken }
        : {};
      let output = "";
      for (const step of ciSteps(recipe)) {
        if (step.kind === "uses") {
          if (step.uses.startsWith("actions/setup-node@") && step.with["registry-url"]) {
            expect(step.with["registry-url"]).toBe(NPMJS);
            const npmrc = join(String(env.RUNNER_TEMP), ".npmrc");
            mkdirSync(dirname(npmrc), { recursive: true });
            writeFileSync(npmrc, `//${host}/:_authToken=\${NODE_AUTH_TOKEN}\nregistry=${registry.url}\n`);
            Object.assign(jobEnv, { NPM_CONFIG_USERCONFIG: npmrc, NODE_AUTH_TOKEN: "XXXXX-XXXXX-XXXXX-XXXXX" });
          }
          if (step.uses.startsWith("pnpm/action-setup@")) expect(step.with.version).toBe("12");
          continue;
        }
        const stepEnv = Object.fromEntries(Object.entries(step.env).map(([name, value]) => [name, fill(value)]));
        const result = await runCommand("bash", ["-e", "-c", fill(step.run)], {
          cwd: dir,
          env: { ...env, ...jobEnv, ...stepEnv },
        });
        output += `$ ${step.run}\n${result.stdout}${result.stderr}`;
        expect(result.code, output).toBe(0);
      }
      expect(registry.published.map((entry) => entry.name).sort(), output).toEqual(project.expect);
      for (const entry of registry.published) expect(entry.otp).toMatch(/^\d{6}$/);
      expect(approver.approved, output).toHaveLength(1);
      expect(project.expect).toContain(approver.approved[0]);
      expect(output).not.toContain(registry.authToken);
      expect(output).not.toContain(link.token);
    } finally {
      await approver.stop();
      await registry.close();
    }
  });
}
