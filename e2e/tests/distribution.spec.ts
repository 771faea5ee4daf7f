/**
 * Countersign in the forms users get it, each running a whole approval: a real server, a
 * phone (the signed device API) approving, and the registry harness (a TOTP account)
 * challenging `npm publish` — the publish succeeds with the phone's code.
 *
 * - the npm package: `npm pack -w cli`, installed from the tarball with the real npm in an
 *   empty directory outside the repository (no workspace link, no dist/ of the repository);
 * - the single-file build (`npm run build:single -w cli`): one file, checked against its
 *   SHA-256, run with no node_modules around it;
 * - the GitHub Action: action.yml's `runs.main`, run as GitHub runs a JavaScript action
 *   (`INPUT_*`, `GITHUB_*`, the ID-token service behind `ACTIONS_ID_TOKEN_REQUEST_URL`),
 *   through a link with a policy;
 * - the repository: `npx countersign` from its root.
 *
 * No browser: the phone is ApiDevice, which signs its calls as the app does.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApprovalView, TotpParams } from "@countersign/shared";
import { test as base, expect } from "@playwright/test";
import { type LocalRegistry, startRegistry } from "../harness/registry.js";
import { ApiDevice } from "../helpers/apiDevice.js";
import { GITHUB_RELEASE_JOB_ENV, type GitHubOidcFixtures, githubOidcFixtures } from "../helpers/githubTokenEndpoint.js";
import { type CommandResult, makePackage, npmEnv, runCommand } from "../helpers/npmPackage.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { type ServerHandle, startServer } from "../helpers/server.js";

const TOTP: TotpParams = { secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", algorithm: "SHA1", digits: 6, period: 30 };

/** What a job runs with: PATH and HOME only, so nothing of this repository's npm setup leaks in. */
function cleanEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of Object.keys(process.env)) env[name] = undefined;
  return { ...env, PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

interface Setup {
  server: ServerHandle;
  device: ApiDevice;
  registry: LocalRegistry;
  /** The package to publish, with an .npmrc naming the registry harness and its token. */
  pkgDir: string;
}

const test = base.extend<{ serverEnv: Record<string, string>; setup: Setup }>({
  serverEnv: [{}, { option: true }],
  setup: async ({ serverEnv }, use, testInfo) => {
    const server = await startServer({ env: serverEnv });
    const device = await ApiDevice.pair(server.origin, { setupCode: server.setupCode }, "Alice's phone");
    const registry = await startRegistry(TOTP);
    const pkgDir = makePackage(registry, "@acme/rocket", "1.4.0");
    await use({ server, device, registry, pkgDir });
    await registry.close();
    await server.stop();
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach("server.log", { body: server.logs(), contentType: "text/plain" });
    }
  },
});

/** The phone: waits for the request and approves it with codes for now and the next step. */
async function approveNext(device: ApiDevice): Promise<ApprovalView> {
  const approval = await device.nextApproval(60_000);
  await device.approve(approval, TOTP);
  return approval;
}

/** Runs a publish and approves it on the phone meanwhile. */
async function publishApproved(device: ApiDevice, publish: () => Promise<CommandResult>) {
  const [result, approval] = await Promise.all([publish(), approveNext(device)]);
  return { result, approval };
}

function expectPublished(registry: LocalRegistry, result: CommandResult) {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  expect(registry.published).toHaveLength(1);
  expect(registry.published[0]).toMatchObject({ name: "@acme/rocket", version: "1.4.0", user: "alice" });
  expect(registry.published[0]?.otp).toMatch(/^\d{6}$/);
}

test("the npm package: packed, installed from its tarball outside the repository, publishes with the phone's approval", async ({
  setup,
}) => {
  test.setTimeout(240_000);
  const { server, device, registry, pkgDir } = setup;
  const packDir = mkdtempSync(join(tmpdir(), "countersign-pack-"));
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "-w", "cli", "--json", "--pack-destination", packDir], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = join(packDir, packed[0]?.filename ?? "");
  const files = (packed[0]?.files ?? []).map((file) => file.path).sort();
  // What runs, its licence and its readme; no sources, tests, test helpers or build scripts.
  expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "bin/countersign.js", "dist/bin.js"]));
  expect(
    files.filter((path) => !/^(LICENSE|README\.md|package\.json|bin\/[^/]+\.js|dist\/.+\.js)$/.test(path)),
  ).toEqual([]);
  expect(files.filter((path) => /test|testing\//.test(path))).toEqual([]);

  // A CI job's directory: nothing of the monorepo above it.
  const job = mkdtempSync(join(tmpdir(), "countersign-job-"));
  writeFileSync(join(job, "package.json"), JSON.stringify({ name: "ci-job", private: true }));
  const install = await runCommand("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], {
    cwd: job,
    env: cleanEnv({}),
  });
  expect(install.code, install.stderr).toBe(0);
  // Its dependencies: jose, and cross-spawn with its own (docs/cli.md, Install).
  expect(readdirSync(join(job, "node_modules")).filter((name) => !name.startsWith("."))).toEqual([
    "countersign",
    "cross-spawn",
    "isexe",
    "jose",
    "path-key",
    "shebang-command",
    "shebang-regex",
    "which",
  ]);
  const bin = join(job, "node_modules/.bin/countersign");
  expect(existsSync(bin)).toBe(true);

  const { url } = await device.createLink((await device.createAccount("npm", "alice")).id, "release");
  const { result, approval } = await publishApproved(device, () =>
    runCommand(bin, ["exec", "--", "npm", "publish"], {
      cwd: pkgDir,
      env: cleanEnv({ ...npmEnv(pkgDir), COUNTERSIGN_URL: url }),
    }),
  );
  expectPublished(registry, result);
  // The registry asked, so the phone saw what the registry was asked to do.
  expect(approval.operation).toMatchObject({ action: "publish", package: { name: "@acme/rocket", version: "1.4.0" } });
  expect(server.logs()).not.toContain(new URL(url).pathname.split("/").pop());
});

test("the single-file build: one file, its SHA-256 beside it, publishes with no node_modules around it", async ({
  setup,
}) => {
  test.setTimeout(180_000);
  const { device, registry, pkgDir } = setup;
  execFileSync("npm", ["run", "build:single", "-w", "cli"], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const built = join(REPO_ROOT, "cli/dist-single/countersign.mjs");
  const sums = readFileSync(`${built}.sha256`, "utf8");
  expect(sums).toBe(`${createHash("sha256").update(readFileSync(built)).digest("hex")}  countersign.mjs\n`);

  // As a user fetches it: the file alone in an empty directory.
  const alone = mkdtempSync(join(tmpdir(), "countersign-single-"));
  const file = join(alone, "countersign.mjs");
  copyFileSync(built, file);
  expect(readdirSync(alone)).toEqual(["countersign.mjs"]);
  const version = JSON.parse(readFileSync(join(REPO_ROOT, "cli/package.json"), "utf8")).version;
  const shown = await runCommand(process.execPath, [file, "--version"], { cwd: alone, env: cleanEnv({}) });
  expect(shown.stdout).toBe(`${version}\n`);

  // On Node 18 (as far as the file can tell: its version and no global WebCrypto) it says so.
  const old = await runCommand(
    process.execPath,
    [
      "--import",
      'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"18.20.4"});delete globalThis.crypto;',
      file,
      "otp",
    ],
    { cwd: alone, env: cleanEnv({}) },
  );
  expect(old.code).toBe(2);
  expect(old.stderr).toContain("Node 18.20.4 is too old");

  const { url } = await device.createLink((await device.createAccount("npm", "alice")).id, "release");
  const { result } = await publishApproved(device, () =>
    runCommand(process.execPath, [file, "exec", "--", "npm", "publish"], {
      cwd: pkgDir,
      env: cleanEnv({ ...npmEnv(pkgDir), COUNTERSIGN_URL: url }),
    }),
  );
  expectPublished(registry, result);
});

/** A stand-in for GitHub's ID-token service, signed by a local issuer the server trusts as it would GitHub's. */
const actionTest = test.extend<GitHubOidcFixtures>(githubOidcFixtures);

test.describe("the GitHub Action", () => {
  actionTest(
    "runs npm publish through the relay on a link with a policy; the phone approves a verified job",
    async ({ setup, issuer, github }) => {
      test.setTimeout(120_000);
      const { server, device, registry, pkgDir } = setup;
      const account = await device.createAccount("npm", "alice");
      const { url, token } = await device.call<{ url: string; token: string }>(
        "POST",
        `/api/v1/accounts/${account.id}/links`,
        {
          name: "release workflow",
          policy: { issuer: issuer.issuer, repository: "owner/repo", workflow: "release.yml", ref: "main" },
        },
      );

      // The action as GitHub fetches it: action.yml and the committed bundle it names, nothing else.
      const metadata = readFileSync(join(REPO_ROOT, "action.yml"), "utf8");
      expect(metadata).toMatch(/^ {2}using: node24$/m);
      const main = /^ {2}main: (\S+)$/m.exec(metadata)?.[1] ?? "";
      const checkout = mkdtempSync(join(tmpdir(), "countersign-action-"));
      mkdirSync(join(checkout, "action/dist"), { recursive: true });
      copyFileSync(join(REPO_ROOT, "action.yml"), join(checkout, "action.yml"));
      copyFileSync(join(REPO_ROOT, main), join(checkout, main));

      const runnerEnv = {
        // `with:` values, and the default action.yml gives `mode`.
        INPUT_URL: url,
        INPUT_RUN: "npm publish",
        INPUT_WAIT: "90",
        INPUT_MODE: "auto",
        ...GITHUB_RELEASE_JOB_ENV,
        GITHUB_WORKSPACE: pkgDir,
        GITHUB_ACTION_PATH: checkout,
        RUNNER_TEMP: mkdtempSync(join(tmpdir(), "countersign-runner-")),
        ...github.env,
        ...npmEnv(pkgDir),
      };
      const { result, approval } = await publishApproved(device, () =>
        runCommand(process.execPath, [join(checkout, main)], { cwd: pkgDir, env: cleanEnv(runnerEnv) }),
      );
      expectPublished(registry, result);
      // The link token is masked in the job's log before anything else is printed.
      expect(result.stdout.split("\n")[0]).toBe(`::add-mask::${token}`);
      expect(`${result.stdout}${result.stderr}`.replaceAll(`::add-mask::${token}`, "")).not.toContain(token);
      // Through the relay: the phone was asked because the registry asked, and saw what it was asked.
      expect(approval.operation).toMatchObject({
        action: "publish",
        package: { name: "@acme/rocket", version: "1.4.0" },
      });
      // The job's ID token came from the runner's token service and passed the link's policy.
      expect(github.audiences).toContain(server.origin);
      expect(approval.verified).toMatchObject({ repository: "owner/repo" });
    },
  );

  test("says which input is missing, as a workflow error", async () => {
    const run = await runCommand(process.execPath, [join(REPO_ROOT, "action/dist/index.js")], {
      cwd: tmpdir(),
      env: cleanEnv({ INPUT_RUN: "npm publish", INPUT_URL: "" }),
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("::error title=countersign::Input `url` is required");
  });
});

test("the repository: npx countersign works from its root (the bin is linked at install time)", async () => {
  // npm links a workspace's bin only if its file exists when it installs: a committed file,
  // not a build output, is what `npm install` in a fresh clone finds.
  const target = readFileSync(join(REPO_ROOT, "cli/package.json"), "utf8");
  const bin = (JSON.parse(target) as { bin: Record<string, string> }).bin.countersign ?? "";
  const tracked = execFileSync("git", ["ls-files", "--error-unmatch", join("cli", bin)], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  expect(tracked.trim()).toBe(`cli/${bin}`);
  const help = await runCommand("npx", ["--no-install", "countersign", "--help"], {
    cwd: REPO_ROOT,
    env: cleanEnv({}),
  });
  expect(help.code, help.stderr).toBe(0);
  expect(help.stdout).toContain("countersign exec");
});
