/**
 * Releases through `countersign exec` as they really run: the phone is asked
 * only when the registry asks (after a slow prepublishOnly, once for a whole
 * changesets monorepo release), a run approval renews codes mid-release
 * without a second tap, and what must not ring the phone does not.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "../fixtures.js";
import { type LocalRegistry, type RegistryAccount, startRegistry } from "../harness/registry.js";
import { approvalPushes, nextApproval, runExec, setUpPhone } from "../helpers/execPhone.js";
import { makePackage, npmEnv, runCommand } from "../helpers/npmPackage.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { commitAll, GIT_ENV, makeWorkspace, sleepScript } from "../helpers/releaseProject.js";
import { openAccount, testAccount } from "./app/support/app.js";

const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const npm = testAccount("npm", "alice", SECRET);
const carol: RegistryAccount = { token: "carol-token", user: "carol", secondFactor: { type: "none" } };

let registry: LocalRegistry | undefined;
test.afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

const puts = (r: LocalRegistry) => r.requests.filter((entry) => entry.method === "PUT");

test("a slow release: prepublishOnly outlives any code, and the phone is asked once, when the registry asks", async ({
  page,
  server,
  pushService,
}) => {
  test.setTimeout(180_000);
  registry = await startRegistry(npm.params);
  const link = await setUpPhone(page, server, npm);
  const dir = makePackage(registry, "slow-release", "1.0.0");
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ ...manifest, scripts: { prepublishOnly: sleepScript(65) } }),
  );

  const startedAt = Date.now();
  const ci = runExec(link.url, dir, ["npm", "publish"], { env: npmEnv(dir) });
  await nextApproval(page, pushService, 1, 120_000);
  // Not before the script ended and the registry challenged the upload.
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(65_000);
  await page.getByRole("button", { name: "Approve" }).click();
  const result = await ci;
  expect(result.code, result.stderr).toBe(0);
  expect(approvalPushes(pushService)).toBe(1);
  expect(registry.published).toEqual([
    expect.objectContaining({ name: "slow-release", version: "1.0.0", otp: expect.stringMatching(/^\d{6}$/) }),
  ]);
  expect(puts(registry).map((entry) => [entry.otp, entry.status])).toEqual([
    [false, 401],
    [true, 200],
  ]);
});

test("changesets: one approval publishes a three-package release, and the phone saw the first publish read from the request", async ({
  page,
  server,
  pushService,
}) => {
  registry = await startRegistry(npm.params);
  const link = await setUpPhone(page, server, npm);
  const names = ["cs-alpha", "cs-beta", "cs-gamma"];
  const dir = makeWorkspace({
    npmrc: registry.npmrc(),
    packages: names.map((name) => ({ name, version: "1.0.0" })),
    files: {
      ".changeset/config.json": JSON.stringify({
        changelog: false,
        commit: false,
        access: "public",
        baseBranch: "main",
        updateInternalDependencies: "patch",
        ignore: [],
      }),
      ".changeset/three-at-once.md": `---\n${names.map((name) => `"${name}": minor`).join("\n")}\n---\n\nThree packages, one release.\n`,
    },
  });
  commitAll(dir, "feat: three packages");
  const changeset = join(REPO_ROOT, "node_modules/.bin/changeset");
  const env = { ...npmEnv(dir), ...GIT_ENV };
  const versioned = await runCommand(changeset, ["version"], { cwd: dir, env });
  expect(versioned.code, versioned.stderr).toBe(0);

  const ci = runExec(link.url, dir, [changeset, "publish"], { env });
  const requestId = await nextApproval(page, pushService, 1);
  const [first] = registry.challenges;
  const firstName = decodeURIComponent(first?.path.slice(1) ?? "");
  expect(names).toContain(firstName);
  await expect(page.getByRole("heading", { name: `Publish ${firstName}@1.1.0 from owner/repo?` })).toBeVisible();
  const read = page.getByRole("region", { name: /What the registry was asked/ });
  await expect(read.getByRole("heading")).toContainText("read from the publish request");
  const fact = (term: string) =>
    read.getByRole("term").filter({ hasText: term }).locator("xpath=following-sibling::dd[1]");
  await expect(fact("Action")).toHaveText(`Publish ${firstName}@1.1.0`);
  await expect(fact("Registry")).toHaveText(new URL(registry.url).host);
  await page.getByRole("button", { name: "Approve" }).click();

  const result = await ci;
  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(approvalPushes(pushService)).toBe(1);
  expect(registry.published.map((entry) => entry.name).sort()).toEqual(names);
  for (const entry of registry.published) {
    expect(entry).toMatchObject({ version: "1.1.0", otp: expect.stringMatching(/^\d{6}$/) });
  }
  // Every publish the registry challenged was sent again with the approved code; none failed.
  expect(puts(registry).filter((entry) => entry.status === 200)).toHaveLength(3);
  expect(puts(registry).every((entry) => entry.status === 200 || (entry.status === 401 && !entry.otp))).toBe(true);
  expect(result.stdout + result.stderr).toContain("New tag:");

  await page.goto("/");
  await openAccount(page, npm);
  const history = page.getByRole("list", { name: "Past requests" });
  await expect(history.getByRole("listitem")).toHaveCount(1);
  await expect(history).toContainText(`Publish ${firstName}@1.1.0 from owner/repo`);
  expect(requestId).toBeTruthy();
});

/**
 * An account whose codes live 5 seconds: the second package's prepublishOnly
 * (12 s) outlasts the approved code and the next one, so its upload needs a
 * code the first approval did not send — unless it covered the run.
 */
const quick = testAccount("npm", "alice", SECRET, { period: 5 });

for (const coverRun of [true, false]) {
  test(`a code expires mid-release: ${coverRun ? "covering the run renews it without a second tap" : "without the run, the phone is asked again"}`, async ({
    page,
    server,
    pushService,
  }) => {
    registry = await startRegistry(quick.params);
    const link = await setUpPhone(page, server, quick);
    const dir = makeWorkspace({
      npmrc: registry.npmrc(),
      packages: [
        { name: "run-first", version: "2.0.0" },
        { name: "run-second", version: "2.0.0", scripts: { prepublishOnly: sleepScript(12) } },
      ],
    });
    const ci = runExec(link.url, dir, ["npm", "publish", "--workspaces"], {
      cliArgs: ["--run", "60"],
      env: npmEnv(dir),
    });
    await nextApproval(page, pushService, 1);
    await expect(page.getByRole("heading", { name: "Publish run-first@2.0.0 from owner/repo?" })).toBeVisible();
    const option = page.getByRole("checkbox", { name: /^Also cover the rest of this run/ });
    if (coverRun) await option.check();
    else await expect(option).not.toBeChecked();
    await page.getByRole("button", { name: "Approve" }).click();

    if (!coverRun) {
      await nextApproval(page, pushService, 2);
      await expect(page.getByRole("heading", { name: "Publish run-second@2.0.0 from owner/repo?" })).toBeVisible();
      await page.getByRole("button", { name: "Approve" }).click();
    }
    const result = await ci;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(approvalPushes(pushService)).toBe(coverRun ? 1 : 2);
    expect(registry.published.map((entry) => entry.name)).toEqual(["run-first", "run-second"]);
    const [first, second] = registry.published;
    expect(first?.otp).toMatch(/^\d{6}$/);
    expect(second?.otp).toMatch(/^\d{6}$/);
    expect(second?.otp).not.toBe(first?.otp);
    if (coverRun) {
      // The second upload carried a code of the run from the start: the registry never challenged it.
      expect(registry.challenges.map((entry) => entry.path)).toEqual(["/run-first"]);
      expect(result.stderr).toMatch(/with codes for the rest of this run until \d\d:\d\d UTC/);
    } else {
      expect(registry.challenges.map((entry) => entry.path)).toEqual(["/run-first", "/run-second"]);
    }
  });
}

test.describe("what must not ring the phone, and how a refusal ends", () => {
  test("a publish that needs no second factor never asks the phone, and exec says so", async ({
    page,
    server,
    pushService,
  }) => {
    registry = await startRegistry(undefined, undefined, { accounts: [carol] });
    const link = await setUpPhone(page, server, npm);
    const dir = makePackage(registry, "no-2fa", "1.0.0");
    writeFileSync(join(dir, ".npmrc"), registry.npmrc(carol.token));
    const result = await runExec(link.url, dir, ["npm", "publish"], { env: npmEnv(dir) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("The registry asked for no second factor; your phone was not asked.");
    expect(registry.published).toEqual([expect.objectContaining({ name: "no-2fa", otp: null, user: "carol" })]);
    expect(approvalPushes(pushService)).toBe(0);
    await page.goto("/");
    await openAccount(page, npm);
    await expect(page.getByText("No requests yet.")).toBeVisible();
  });

  test("Deny: the command fails, exec exits 3 and says it was denied", async ({ page, server, pushService }) => {
    registry = await startRegistry(npm.params);
    const link = await setUpPhone(page, server, npm);
    const dir = makePackage(registry, "denied-pkg", "1.0.0");
    const ci = runExec(link.url, dir, ["npm", "publish"], { env: npmEnv(dir) });
    await nextApproval(page, pushService, 1);
    await page.getByRole("button", { name: "Deny", exact: true }).click();
    const result = await ci;
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/Error: .*denied/i);
    expect(registry.published).toEqual([]);
    expect(registry.otpsSeen).toEqual([]);
    expect(puts(registry).map((entry) => entry.status)).toEqual([401]);
  });

  test("nobody answers within --wait 5: exec exits 4 and says it timed out", async ({ page, server, pushService }) => {
    registry = await startRegistry(npm.params);
    const link = await setUpPhone(page, server, npm);
    const dir = makePackage(registry, "unanswered", "1.0.0");
    const result = await runExec(link.url, dir, ["npm", "publish"], { cliArgs: ["--wait", "5"], env: npmEnv(dir) });
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toMatch(/Error: .*(timed out|no answer)/i);
    expect(approvalPushes(pushService)).toBe(1);
    expect(registry.published).toEqual([]);
    expect(puts(registry).map((entry) => entry.status)).toEqual([401]);
  });
});
