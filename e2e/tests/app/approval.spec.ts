import { expect, pairPage, test } from "../../fixtures.js";
import { ApiDevice, requestOtp } from "../../helpers/apiDevice.js";
import { addAccountByUri, createLink, openAccount, testAccount } from "./support/app.js";

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");

async function setUp(page: import("@playwright/test").Page, server: import("../../helpers/server.js").ServerHandle) {
  await pairPage(page, server, "Alice's phone");
  await addAccountByUri(page, npm);
  await openAccount(page, npm);
  const link = await createLink(page, "CI");
  await page.getByRole("button", { name: "Done" }).click();
  return link;
}

async function openPending(page: import("@playwright/test").Page) {
  await page.goto("/");
  await page.getByRole("link", { name: /Publish foo@1\.2\.3/ }).click();
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
}

test("the approval screen shows the request and a denial reaches CI", async ({ page, server }) => {
  const { token } = await setUp(page, server);
  const ci = requestOtp(server.origin, token, {
    package: { name: "foo", version: "1.2.3" },
    context: {
      repository: "owner/repo",
      workflow: "release.yml",
      ref: "refs/tags/v1.2.3",
      runUrl: "https://github.com/owner/repo/actions/runs/42",
    },
    wait: 30,
  });
  await openPending(page);
  const facts = page.getByRole("definition");
  await expect(page.getByText("npm: alice", { exact: true })).toBeVisible();
  await expect(facts.filter({ hasText: "owner/repo" }).first()).toContainText("claimed by CI");
  await expect(facts.filter({ hasText: "release.yml" })).toContainText("claimed by CI");
  await expect(facts.filter({ hasText: "refs/tags/v1.2.3" })).toContainText("claimed by CI");
  await expect(page.getByRole("link", { name: "github.com/owner/repo/actions/runs/42" })).toBeVisible();
  await expect(facts.filter({ hasText: /^\d+ min \d+ s$/ })).toBeVisible();
  await expect(page.getByText("Time left")).toBeVisible();
  await page.getByRole("button", { name: "Deny", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Denied." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toBeHidden();
  const answer = await ci;
  expect(answer.status).toBe(403);
  expect(answer.json).toMatchObject({ error: "denied" });
});

test("deny and pause link stops the link until it is resumed", async ({ page, server }) => {
  const { token } = await setUp(page, server);
  const ci = requestOtp(server.origin, token, { package: { name: "foo", version: "1.2.3" }, wait: 30 });
  await openPending(page);
  await page.getByRole("button", { name: "Deny and pause link" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Denied, and the link is paused." })).toBeVisible();
  expect((await ci).status).toBe(403);
  await page.goto("/");
  await openAccount(page, npm);
  const item = page
    .getByRole("listitem")
    .filter({ hasText: "CI" })
    .filter({ has: page.getByText("Paused", { exact: true }) });
  await item.getByRole("button", { name: "Resume CI" }).click();
  await expect(page.getByText("Paused", { exact: true })).toBeHidden();
});

test("when another device answers first, the app says so", async ({ page, server }) => {
  const { token } = await setUp(page, server);
  // A second phone joins by invite from this one and holds the same account.
  await page.goto("/settings");
  await page.getByRole("button", { name: "Invite another device" }).click();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();
  const inviteCode = new URLSearchParams(new URL(inviteUrl).hash.slice(1)).get("invite") ?? "";
  const other = await ApiDevice.pair(server.origin, { inviteCode }, "Bob's tablet");
  await other.createAccount(npm.issuer, npm.label);

  const ci = requestOtp(server.origin, token, { package: { name: "foo", version: "1.2.3" }, wait: 30 });
  await openPending(page);
  const approval = await other.nextApproval();
  await other.approve(approval, npm.params);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status").filter({ hasText: "answered on Bob's tablet" })).toBeVisible();
  expect((await ci).status).toBe(200);

  // Opening the request later shows who answered it.
  await page.goto(`/approve/${approval.id}`);
  await expect(page.getByText("Already approved — answered on Bob's tablet.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toBeHidden();
});
