/**
 * Verified CI identity end to end: the maintainer gives a CI link a policy in
 * the app; the real `countersign` CLI runs as a GitHub Actions job with
 * `id-token: write` (its ID token comes from a stand-in for GitHub's token
 * service, signed by a local issuer the server trusts); the approval screen
 * marks what the token proves as verified and links the run built from its
 * claims. A job from another repository is refused by the server: the CLI
 * exits 5 with the reason, the phone hears nothing, the history shows it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { test as base, expect, pairPage, waitForServiceWorker } from "../fixtures.js";
import type { LocalOidcIssuer } from "../harness/oidc-issuer.js";
import {
  GITHUB_RELEASE_JOB_ENV,
  type GitHubOidcFixtures,
  type GitHubTokenEndpoint,
  githubOidcFixtures,
} from "../helpers/githubTokenEndpoint.js";
import { runCommand } from "../helpers/npmPackage.js";
import { CLI_ENTRY } from "../helpers/paths.js";
import type { ServerHandle } from "../helpers/server.js";
import {
  addAccountByUri,
  createLinkFor,
  enableNotifications,
  openAccount,
  type ShownNotification,
  shownNotifications,
  testAccount,
  totpAt,
} from "./app/support/app.js";

const test = base.extend<GitHubOidcFixtures>(githubOidcFixtures);

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");

/** A GitHub Actions job's environment; its run id differs from the token's, so a claimed run link is told apart. */
const GITHUB_ENV = { ...GITHUB_RELEASE_JOB_ENV, GITHUB_RUN_ID: "4242", COUNTERSIGN_ID_TOKEN: undefined };
const VERIFIED_RUN = "https://github.com/owner/repo/actions/runs/9876543210/attempts/1";

/** Pairs, adds the account, turns notifications on and creates a link with a policy in the app. */
async function linkWithPolicy(page: Page, server: ServerHandle, issuer: LocalOidcIssuer): Promise<string> {
  await page.goto("/");
  await waitForServiceWorker(page);
  await pairPage(page, server, "Alice's phone");
  await addAccountByUri(page, npm);
  await enableNotifications(page);
  await openAccount(page, npm);

  await page.getByLabel("Link name").fill("release workflow");
  await page.getByLabel("Only answer a verified repository and workflow").check();
  await page.getByLabel("CI provider").selectOption({ label: "Self-managed GitLab or GitHub Enterprise" });
  await page.getByRole("textbox", { name: /^Issuer URL/ }).fill(issuer.issuer);
  await page.getByLabel("Repository", { exact: true }).fill("owner/repo");
  await page.getByLabel(/^Workflow file/).fill("release.yml");
  await page.getByLabel(/^Branch or ref pattern/).fill("main");
  const host = new URL(issuer.issuer).host;
  const wording = `Only owner/repo on ${host}, workflow release.yml, branch main`;
  await expect(page.getByText(wording)).toBeVisible();
  await page.getByRole("button", { name: "Create CI link" }).click();
  const url = await page.getByLabel("Link URL").inputValue();
  await expect(page.getByText("id-token: write")).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();

  const item = page
    .getByRole("list", { name: "CI links" })
    .getByRole("listitem")
    .filter({ hasText: "release workflow" });
  await expect(item.getByText("Verified CI only")).toBeVisible();
  await expect(item).toContainText(wording);
  await expect(item).not.toContainText("Any job holding this link can ask");
  await page.goto("/settings");
  return url;
}

/** `countersign otp` as the GitHub Actions job runs it, with its ID-token service. */
function otpFromCi(linkUrl: string, github: GitHubTokenEndpoint) {
  return runCommand(process.execPath, [CLI_ENTRY, "otp", "--package", "foo@1.2.3"], {
    cwd: mkdtempSync(join(tmpdir(), "countersign-oidc-")),
    env: { ...GITHUB_ENV, ...github.env, COUNTERSIGN_URL: linkUrl },
  });
}

async function nextNotification(page: Page): Promise<ShownNotification> {
  await expect.poll(async () => (await shownNotifications(page)).length, { timeout: 20_000 }).toBe(1);
  return (await shownNotifications(page))[0] as ShownNotification;
}

/** A link with a policy made in the app, the job asking through it, and the phone's notification of it. */
async function verifiedJobAsks({
  page,
  server,
  issuer,
  github,
}: {
  page: Page;
  server: ServerHandle;
  issuer: LocalOidcIssuer;
  github: GitHubTokenEndpoint;
}) {
  const linkUrl = await linkWithPolicy(page, server, issuer);
  const ci = otpFromCi(linkUrl, github);
  const notification = await nextNotification(page);
  return { ci, notification };
}

test("the approval screen marks what the job's OIDC token proves; approving delivers the code", async ({
  page,
  server,
  issuer,
  github,
}) => {
  const { ci, notification } = await verifiedJobAsks({ page, server, issuer, github });
  expect(notification.title).toBe("Publish foo@1.2.3 from owner/repo?");
  expect(github.audiences).toEqual([server.origin]);

  await expect(page).toHaveURL(new RegExp(`/approve/${notification.data.requestId}$`));
  const facts = page.locator("dl.facts");
  for (const [term, value] of [
    ["Repository", "owner/repo"],
    ["Workflow", ".github/workflows/release.yml"],
    ["Ref", "refs/heads/main"],
    ["Actor", "octocat"],
  ]) {
    const fact = facts
      .locator(".fact")
      .filter({ has: page.getByRole("term").filter({ hasText: new RegExp(`^${term}$`) }) });
    await expect(fact, term).toContainText(value as string);
    await expect(fact.getByText("verified"), term).toBeVisible();
  }
  // The run link comes from the token's claims, never from the run id CI stated.
  const run = facts.getByRole("link");
  await expect(run).toHaveAttribute("href", VERIFIED_RUN);
  await expect(facts.locator('a[href*="/runs/4242"]')).toHaveCount(0);
  await expect(page.getByText("No OIDC token")).toHaveCount(0);

  await page.getByRole("button", { name: "Approve" }).click();
  const result = await ci;
  expect(result.code, result.stderr).toBe(0);
  const otp = result.stdout.trim();
  expect(otp).toMatch(/^\d{6}$/);
  expect([await totpAt(npm, Date.now()), await totpAt(npm, Date.now() - 30_000)]).toContain(otp);
  expect(result.stderr).toContain("with an OIDC token");
});

test.describe("with the server holding each CI call open for 1 s", () => {
  test.use({
    serverEnv: async ({ issuer }, use) => {
      await use({ COUNTERSIGN_OIDC_ISSUERS: issuer.issuer, COUNTERSIGN_MAX_WAIT: "1" });
    },
  });

  test("the job resumes with its OIDC token across 408s and collects the code once approved", async ({
    page,
    server,
    issuer,
    github,
  }) => {
    const { ci, notification } = await verifiedJobAsks({ page, server, issuer, github });
    await expect(page).toHaveURL(new RegExp(`/approve/${notification.data.requestId}$`));
    // Let the job go through a few 408s and resumes (each must carry the run's token) before approving:
    // wait until the server's log shows two resumes answered 408.
    const resumesTimedOut = () => server.logs().match(/"path":"\/api\/v1\/requests\/[^"]+","status":408/g)?.length ?? 0;
    await expect.poll(resumesTimedOut, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await page.getByRole("button", { name: "Approve" }).click();
    const result = await ci;
    expect(result.code, result.stderr).toBe(0);
    expect([await totpAt(npm, Date.now()), await totpAt(npm, Date.now() - 30_000)]).toContain(result.stdout.trim());
    expect(server.logs()).not.toContain("policy_refused");
    expect(server.logs()).not.toContain("refused by the link's policy");
  });
});

test("a job from another repository is refused: exit 5 with the reason, no notification, shown in history", async ({
  page,
  server,
  issuer,
  github,
  pushService,
}) => {
  const linkUrl = await linkWithPolicy(page, server, issuer);
  github.claims = { repository: "mallory/fork" };

  const result = await otpFromCi(linkUrl, github);
  expect(result.code).toBe(5);
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain("repository is mallory/fork, the link only accepts owner/repo");
  expect(result.stderr).toContain("id-token: write");

  const approvals = pushService.messages.filter((m) => (m.payload as { type?: string } | null)?.type === "approval");
  expect(approvals).toHaveLength(0);
  expect(await shownNotifications(page)).toHaveLength(0);

  await page.goto("/");
  await openAccount(page, npm);
  // Refused calls are listed apart from requests (issue 18): a flood of them cannot hide a request.
  await expect(page.getByRole("list", { name: "Past requests" })).toHaveCount(0);
  const history = page.getByRole("list", { name: "Refused calls" }).getByRole("listitem");
  await expect(history).toHaveCount(1);
  await expect(history).toContainText("Refused by policy");
  await expect(history).toContainText("repository is mallory/fork, the link only accepts owner/repo");
});

// The server's default issuers here (GitHub Actions and gitlab.com): no token is checked in this test.
base(
  "a link's policy is added, edited and removed from the links list; a bad one is refused with the reason",
  async ({ page, server }) => {
    await pairPage(page, server);
    await addAccountByUri(page, npm);
    await createLinkFor(page, npm, "release workflow");
    const item = page
      .getByRole("list", { name: "CI links" })
      .getByRole("listitem")
      .filter({ hasText: "release workflow" });
    await expect(item).toContainText("Any job holding this link can ask for a code. Add a policy");

    await item.getByRole("button", { name: "Add policy of release workflow" }).click();
    await item.getByLabel("CI provider").selectOption({ label: "Self-managed GitLab or GitHub Enterprise" });
    await item.getByRole("textbox", { name: /^Issuer URL/ }).fill("https://gitlab.example.com");
    await item.getByLabel("Repository", { exact: true }).fill("group/project");
    await expect(item.getByText("Only group/project on gitlab.example.com, any branch, no tags")).toBeVisible();
    const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual(
      [],
    );
    await item.getByRole("button", { name: "Save policy" }).click();
    await expect(item.getByRole("alert")).toContainText("does not trust the issuer https://gitlab.example.com");

    await item.getByLabel("CI provider").selectOption({ label: "GitHub Actions" });
    await item.getByLabel("Repository", { exact: true }).fill("just-a-name");
    await item.getByRole("button", { name: "Save policy" }).click();
    await expect(item.getByRole("alert")).toContainText("repository must look like owner/repo");

    await item.getByLabel("Repository", { exact: true }).fill("acme/rocket");
    await item.getByLabel(/^Workflow file/).fill("release.yml");
    await item.getByLabel(/^Branch or ref pattern/).fill("refs/tags/v*");
    await item.getByLabel("GitHub-hosted runners only").check();
    await item.getByRole("button", { name: "Save policy" }).click();
    const wording = "Only acme/rocket, workflow release.yml, tags v*, on GitHub-hosted runners";
    await expect(item.getByText("Verified CI only")).toBeVisible();
    await expect(item).toContainText(wording);

    // The server keeps it: a reload shows the same rule.
    await page.reload();
    await expect(item).toContainText(wording);
    await item.getByRole("button", { name: "Edit policy of release workflow" }).click();
    await expect(item.getByLabel("Repository", { exact: true })).toHaveValue("acme/rocket");
    await item.getByLabel(/^Environment/).fill("npm");
    await item.getByRole("button", { name: "Save policy" }).click();
    await expect(item).toContainText(`${wording.replace(", on GitHub", ", environment npm, on GitHub")}`);

    await item.getByRole("button", { name: "Edit policy of release workflow" }).click();
    await item.getByRole("button", { name: "Remove policy" }).click();
    await expect(item).toContainText("Any job holding this link can ask for a code");
    await expect(item.getByText("Verified CI only")).toHaveCount(0);
  },
);
