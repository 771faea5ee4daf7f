/**
 * Runs every recipe a user copies — the blocks marked as recipes in README.md
 * and docs/*.md (docs/recipes.md above all), and the ones the app shows on a
 * new link (web/src/ui/account/recipes.ts) — and checks that every other
 * fenced block in those files says why it is not one.
 *
 * A CI recipe runs as CI would: its steps in order, each
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
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test as base, expect } from "../fixtures.js";
import { type LocalOidcIssuer, startOidcIssuer } from "../harness/oidc-issuer.js";
import { type LocalRegistry, startRegistry } from "../harness/registry.js";
import { ApiDevice, requestOtp } from "../helpers/apiDevice.js";
import { GITHUB_ENV } from "../helpers/execPhone.js";
import { runCommand } from "../helpers/npmPackage.js";
import { CLI_ENTRY, REPO_ROOT } from "../helpers/paths.js";
import { CLIENTS } from "../helpers/publishingClients.js";
import {
  appRecipes,
  type CiStep,
  ciSteps,
  DOC_FILES,
  gitlabJob,
  type Recipe,
  readRecipes,
  unmarkedBlocks,
} from "../helpers/recipes.js";
import { commitAll, GIT_ENV, makeWorkspace } from "../helpers/releaseProject.js";
import { freePort } from "../helpers/server.js";
import { testAccount } from "./app/support/app.js";

const npm = testAccount("npm", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
const CLI_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "cli/package.json"), "utf8")) as { version: string })
  .version;
const NPMJS = "https://registry.npmjs.org";
/** Every recipe: the docs' marked blocks, then the app's. */
const allRecipes: Recipe[] = [...DOC_FILES.flatMap((file) => readRecipes(file)), ...appRecipes()];
const recipes = allRecipes.filter((recipe) => recipe.lang === "yaml");
/** Server origins the docs and the app write as examples; a recipe runs against the real one. */
const EXAMPLE_ORIGINS = [
  "https://otp.example.com",
  "https://countersign.example.com",
  "https://<your Countersign server>",
];

const test = base.extend<{ issuer: LocalOidcIssuer }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a destructured object.
  issuer: async ({}, use) => {
    const issuer = await startOidcIssuer();
    await use(issuer);
    await issuer.close();
  },
  // The server trusts the local issuer, as it trusts gitlab.com: GitLab recipes send its tokens.
  serverEnv: async ({ issuer }, use) => {
    await use({ COUNTERSIGN_OIDC_ISSUERS: issuer.issuer });
  },
});

/** What a GitLab job has in its environment (the runner's variables), GitHub's left out. */
const GITLAB_ENV: Record<string, string | undefined> = {
  ...Object.fromEntries(Object.keys(GITHUB_ENV).map((name) => [name, undefined])),
  CI: "true",
  GITLAB_CI: "true",
  CI_SERVER_URL: "https://gitlab.com",
  CI_PROJECT_PATH: "group/project",
  CI_JOB_URL: "https://gitlab.com/group/project/-/jobs/77",
  CI_COMMIT_SHA: "0123456789abcdef0123456789abcdef01234567",
  CI_COMMIT_REF_NAME: "main",
  CI_JOB_NAME: "publish",
  CI_PIPELINE_SOURCE: "push",
};

/** A project `npm ci && npm run build` works in: a lockfile and a build script, nothing to install. */
function buildable(name: string): string {
  const dir = single(name);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
  manifest.scripts = { build: "node -e \"require('./index.js')\"" };
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify({
      name,
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: { "": { name, version: "1.0.0", license: "MIT" } },
    }),
  );
  return dir;
}

/** What the job around a step-only recipe has: the app's step goes into a job that set up Node for npmjs. */
const SETUP_NODE: CiStep = { kind: "uses", uses: "actions/setup-node@v4", with: { "registry-url": NPMJS } };

/** What each recipe publishes, and the project it publishes from (as checked out, dependencies installed). */
const PROJECTS: Record<string, { yarn?: "yarn1" | "yarn4"; expect: string[]; make: () => string; before?: CiStep[] }> =
  {
    "readme-github": { expect: ["recipe-readme-gh"], make: () => buildable("recipe-readme-gh") },
    "readme-gitlab": { expect: ["recipe-readme-gl"], make: () => buildable("recipe-readme-gl") },
    "oidc-github": { expect: ["recipe-oidc-gh"], make: () => buildable("recipe-oidc-gh") },
    "oidc-gitlab": { expect: ["recipe-oidc-gl"], make: () => buildable("recipe-oidc-gl") },
    "app-github-actions-step": { expect: ["recipe-app-gh"], make: () => single("recipe-app-gh"), before: [SETUP_NODE] },
    "app-gitlab-job": { expect: ["recipe-app-gl"], make: () => single("recipe-app-gl") },
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
  const verified: (Record<string, string> | null)[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const pending = (await phone.approvals()).filter((approval) => approval.status === "pending");
      for (const approval of pending) {
        await phone.approve(approval, npm.params);
        approved.push(approval.operation?.package?.name ?? approval.package?.name ?? "?");
        verified.push(approval.verified);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    approved,
    verified,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

test("every fenced block in README.md and docs/ is a recipe run here, or says why it is not one", () => {
  expect(unmarkedBlocks(), "mark each with <!-- recipe: id --> or <!-- not-a-recipe: reason -->").toEqual([]);
  const ids = allRecipes.map((recipe) => recipe.id);
  expect(new Set(ids).size, "recipe ids are unique").toBe(ids.length);
  expect(allRecipes.filter((recipe) => !["yaml", "sh"].includes(recipe.lang)).map((recipe) => recipe.id)).toEqual([]);
  const runners = [...Object.keys(PROJECTS), ...Object.keys(SHELL), ...Object.keys(START)];
  expect(ids.sort()).toEqual(runners.sort());
});

test("every CI recipe has a project here, and the other way round", () => {
  expect(recipes.map((recipe) => recipe.id).sort()).toEqual(Object.keys(PROJECTS).sort());
  for (const recipe of recipes) {
    const lines = ciSteps(recipe).filter((step) => step.kind === "run" && step.run.includes("countersign"));
    expect(lines.length, recipe.id).toBe(1);
    expect(recipe.text, recipe.id).toContain(`npx -y countersign@${CLI_VERSION} exec -- `);
  }
});

for (const recipe of recipes) {
  test(`recipe "${recipe.id}" (${recipe.source}) publishes with one approval`, async ({ server, issuer }) => {
    test.setTimeout(180_000);
    const project = PROJECTS[recipe.id];
    if (!project) throw new Error(`no project for recipe ${recipe.id}`);
    const registry = await startRegistry(npm.params);
    const phone = await ApiDevice.pair(server.origin, { setupCode: server.setupCode }, "Alice's phone");
    const account = await phone.createAccount(npm.issuer, npm.label);
    const job = gitlabJob(recipe);
    const idToken = job?.id_tokens?.COUNTERSIGN_ID_TOKEN;
    // A job that declares an ID token publishes through a link whose policy names its project.
    const policy = idToken ? { issuer: issuer.issuer, repository: "group/project" } : undefined;
    const link = await phone.call<{ id: string; url: string; token: string }>(
      "POST",
      `/api/v1/accounts/${account.id}/links`,
      { name: "release workflow", ...(policy ? { policy } : {}) },
    );
    const approver = approveAll(phone);
    try {
      const host = new URL(registry.url).host;
      const home = mkdtempSync(join(tmpdir(), "countersign-home-"));
      writeFileSync(join(home, ".npmrc"), `registry=${registry.url}\n`);
      const dir = project.make();
      const env = { ...ciEnvironment(home, shims(project.yarn)), ...(job ? GITLAB_ENV : {}) };
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
        EXAMPLE_ORIGINS.reduce((filled, example) => filled.replaceAll(example, server.origin), text)
          .replace(/\$\{\{\s*secrets\.(\w+)\s*\}\}/g, (_, name: string) => secrets[name] ?? "")
          .replaceAll(`//registry.npmjs.org/`, `//${host}/`);
      // GitLab hands its CI/CD variables to every script line, and the ID tokens the job declares.
      const jobEnv: Record<string, string> = job ? { COUNTERSIGN_URL: link.url, NPM_TOKEN: registry.authToken } : {};
      if (idToken) {
        const audience = fill(String(idToken.aud));
        jobEnv.COUNTERSIGN_ID_TOKEN = await issuer.signGitLabToken({ project_path: "group/project" }, { audience });
      }
      let output = "";
      for (const step of [...(project.before ?? []), ...ciSteps(recipe)]) {
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
      await approver.stop();
      expect(approver.approved, output).toHaveLength(1);
      expect(project.expect).toContain(approver.approved[0]);
      // The ID token the job declared reached the server, passed the link's policy and shows as verified.
      if (idToken) expect(JSON.stringify(approver.verified[0]), output).toContain("group/project");
      expect(output).not.toContain(registry.authToken);
      expect(output).not.toContain(link.token);
    } finally {
      await approver.stop();
      await registry.close();
    }
  });
}

/**
 * Shell recipes: what each needs before it runs (a request already made,
 * whether the phone approves) and what it must leave behind. Each runs with
 * `bash -e -o pipefail` in a package whose .npmrc reaches the registry, with
 * the link as `COUNTERSIGN_URL` and `COUNTERSIGN_TOKEN`, GitHub's run variables,
 * and the example server origin replaced by the real one.
 */
interface ShellPlan {
  /** Approvals the phone gives (it approves every request while this many are expected). */
  approvals: number;
  /** Packages published. */
  publishes: boolean;
  /** A request made before the recipe runs, given as `REQUEST_ID`; `approved` when the phone answers it first. */
  request?: "pending" | "approved";
  /** What the request is afterwards (GET with the token): e.g. 410 once withdrawn. */
  requestAfter?: number;
}
const SHELL: Record<string, ShellPlan> = {
  "readme-curl": { approvals: 1, publishes: true },
  "api-curl": { approvals: 2, publishes: true },
  "api-curl-link-url": { approvals: 1, publishes: true },
  "api-curl-resume": { approvals: 1, publishes: false, request: "approved" },
  "api-curl-withdraw": { approvals: 0, publishes: false, request: "pending", requestAfter: 410 },
  "cli-exec": { approvals: 1, publishes: true },
  "cli-otp": { approvals: 1, publishes: true },
  "cli-url-file": { approvals: 1, publishes: true },
  "cli-export": { approvals: 1, publishes: true },
  "cli-curl": { approvals: 1, publishes: true },
  "app-curl": { approvals: 1, publishes: true },
  "app-countersign-cli": { approvals: 1, publishes: true },
};

/** The project a shell recipe runs in: one package, and an .npmrc with the registry and its token. */
function shellProject(registry: LocalRegistry, name: string): string {
  const dir = single(name);
  writeFileSync(
    join(dir, ".npmrc"),
    `//${new URL(registry.url).host}/:_authToken=${registry.authToken}\nregistry=${registry.url}\n`,
  );
  return dir;
}

for (const recipe of allRecipes.filter((r) => r.lang === "sh" && SHELL[r.id])) {
  test(`shell recipe "${recipe.id}" (${recipe.source}) does what it says`, async ({ server }) => {
    test.setTimeout(90_000);
    const plan = SHELL[recipe.id] as ShellPlan;
    const registry = await startRegistry(npm.params);
    const phone = await ApiDevice.pair(server.origin, { setupCode: server.setupCode }, "Alice's phone");
    const account = await phone.createAccount(npm.issuer, npm.label);
    const link = await phone.createLink(account.id, "release workflow");
    let requestId = "";
    if (plan.request) {
      // A request CI made earlier and lost (408 after a second), for the recipes that resume or withdraw one.
      const earlier = await requestOtp(server.origin, link.token, { wait: 1 }, { accept: "application/json" });
      requestId = (earlier.json as { requestId: string }).requestId;
      if (plan.request === "approved") await phone.approve(await phone.nextApproval(), npm.params);
    }
    const approver = plan.approvals > 0 && plan.request !== "approved" ? approveAll(phone) : null;
    try {
      const name = `recipe-${recipe.id}`;
      const dir = shellProject(registry, name);
      const home = mkdtempSync(join(tmpdir(), "countersign-home-"));
      writeFileSync(join(home, ".npmrc"), `registry=${registry.url}\n`);
      const script = EXAMPLE_ORIGINS.reduce((text, example) => text.replaceAll(example, server.origin), recipe.text)
        // `export COUNTERSIGN_URL=…`: the value comes from the CI's secret store, here the job's environment.
        .replace(/^export (\w+)=…/gm, 'export $1="$$$1"');
      const result = await runCommand("bash", ["-e", "-o", "pipefail", "-c", script], {
        cwd: dir,
        env: {
          ...ciEnvironment(home, shims(undefined)),
          COUNTERSIGN_URL: link.url,
          COUNTERSIGN_TOKEN: link.token,
          REQUEST_ID: requestId,
        },
      });
      const output = `$ ${script}\n${result.stdout}${result.stderr}`;
      expect(result.code, output).toBe(0);
      expect(
        registry.published.map((entry) => entry.name),
        output,
      ).toEqual(plan.publishes ? [name] : []);
      // The CI call can have its code before the approver has recorded the answer that gave it.
      await approver?.stop();
      if (approver) expect(approver.approved, output).toHaveLength(plan.approvals);
      if (plan.request === "approved") expect(result.stdout.trim(), output).toMatch(/^\d{6}$/);
      if (plan.requestAfter) {
        const after = await fetch(`${server.origin}/api/v1/requests/${requestId}`, {
          headers: { authorization: `Bearer ${link.token}` },
        });
        expect(after.status, output).toBe(plan.requestAfter);
      }
      expect(result.stderr).not.toContain(link.token);
    } finally {
      await approver?.stop();
      await registry.close();
    }
  });
}

/**
 * Recipes that start the server as a user would, from the repository root: each
 * command line of the block but `npm install` (the checkout under test is
 * installed already) runs on a free PORT and a fresh COUNTERSIGN_DATA_DIR until
 * the app and the API answer, then gets Ctrl-C (SIGINT) and must stop without an error.
 */
const START: Record<string, true> = { "readme-start": true, "server-start": true };

async function startAsUser(command: string): Promise<{ health: number; app: string; exit: string; output: string }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "countersign-start-"));
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (/^(npm_|countersign_)/i.test(name)) delete env[name];
  const child = spawn("bash", ["-c", `exec ${command}`], {
    cwd: REPO_ROOT,
    env: { ...env, PORT: String(port), COUNTERSIGN_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<string>((resolve) => child.on("exit", (code, signal) => resolve(`${code ?? signal}`)));
  try {
    const origin = `http://127.0.0.1:${port}`;
    let health = 0;
    await expect
      .poll(
        async () => {
          health = await fetch(`${origin}/api/v1/health`).then(
            (response) => response.status,
            () => 0,
          );
          return health;
        },
        { timeout: 60_000, message: `${command} did not answer on ${origin}` },
      )
      .toBe(200);
    const app = await (await fetch(`${origin}/`)).text();
    process.kill(-(child.pid as number), "SIGINT");
    return { health, app, exit: await exited, output };
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), "SIGKILL");
  }
}

for (const recipe of allRecipes.filter((r) => START[r.id])) {
  test(`start recipe "${recipe.id}" (${recipe.source}) serves the app and the API`, async () => {
    test.setTimeout(120_000);
    const commands = recipe.text
      .split("\n")
      .map((line) => line.replace(/#.*$/, "").trim())
      .filter((line) => line && line !== "npm install");
    expect(commands.length, recipe.text).toBeGreaterThan(0);
    for (const command of commands) {
      const started = await startAsUser(command);
      expect(started.health, started.output).toBe(200);
      expect(started.app, command).toContain('<div id="root"');
      expect(started.output, command).toMatch(/pair#code=/);
      // Ctrl-C: npm passes SIGINT on and ends by it, as a shell expects; the server itself exits 0.
      expect(["0", "SIGINT"], started.output).toContain(started.exit);
    }
  });
}
