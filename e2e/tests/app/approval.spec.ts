import { JweAnswerPayload } from "@countersign/shared";
import { compactDecrypt, exportJWK, generateKeyPair } from "jose";
import { expect, pairPage, test } from "../../fixtures.js";
import { ApiDevice, requestOtp } from "../../helpers/apiDevice.js";
import { npmPublish } from "../../helpers/registryOperations.js";
import { addAccountByUri, createLinkFor, openAccount, testAccount, totpAt } from "./support/app.js";

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");

async function setUp(page: import("@playwright/test").Page, server: import("../../helpers/server.js").ServerHandle) {
  await pairPage(page, server, "Alice's phone");
  await addAccountByUri(page, npm);
  const link = await createLinkFor(page, npm, "CI");
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

/** What `countersign exec` read from the challenged publish request. */
const publishFoo = npmPublish("foo", "1.2.3", {
  tag: "latest",
  tarball: { size: 48_213, integrity: `sha512-${"Zm9v".repeat(21)}YQ==` },
});

/** An ephemeral CI key pair, as the CLI makes one per request. */
async function ciKeyPair() {
  const { publicKey, privateKey } = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

test("npm's passkey page: the screen shows the publish request, Open npm opens the page and tells CI", async ({
  page,
  context,
  server,
}) => {
  const { token } = await setUp(page, server);
  const authUrl = "https://www.npmjs.com/auth/cli/3f0c9a2e-1b4d-4e6f-8a7b-9c0d1e2f3a4b";
  // The registry's page, served locally: the machine reaches no registry site.
  await context.route("https://www.npmjs.com/**", (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>npm</title><h1>Use your passkey</h1>" }),
  );
  const { publicJwk } = await ciKeyPair();
  const ci = requestOtp(
    server.origin,
    token,
    {
      operation: publishFoo,
      challenge: { type: "web", authUrl },
      publicKey: publicJwk,
      context: { repository: "owner/repo" },
      wait: 60,
    },
    { accept: "application/json" },
  );

  await page.goto("/");
  const question = "npm asks for your passkey to publish foo@1.2.3 from owner/repo";
  await page.getByRole("link", { name: new RegExp(question) }).click();
  await expect(page.getByRole("heading", { name: question })).toBeVisible();

  const read = page.getByRole("region", { name: /What the registry was asked/ });
  await expect(read.getByRole("heading")).toContainText("read from the publish request");
  const fact = (term: string) =>
    read.getByRole("term").filter({ hasText: term }).locator("xpath=following-sibling::dd[1]");
  await expect(fact("Action")).toHaveText("Publish foo@1.2.3");
  await expect(fact("Tag")).toHaveText("latest");
  await expect(fact("Registry")).toHaveText("registry.npmjs.org");
  await expect(fact("Tarball")).toContainText("48.2 kB");
  await expect(fact("Tarball")).toContainText("sha512-Zm9vZm9vZm…9vYQ==");
  await expect(page.getByText(publishFoo.tarball.integrity, { exact: true })).toBeHidden();
  await fact("Tarball").getByText("sha512-Zm9vZm9vZm…9vYQ==").click();
  await expect(page.getByText(publishFoo.tarball.integrity, { exact: true })).toBeVisible();
  // CI's own account of itself keeps its mark: a different kind of fact.
  await expect(page.getByRole("definition").filter({ hasText: "owner/repo" })).toContainText("claimed by CI");
  await expect(page.getByText(/npm asks for your passkey on its own page \(www\.npmjs\.com\)/)).toBeVisible();

  await expect(page.getByRole("button", { name: "Approve" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Deny", exact: true })).toBeVisible();
  const opened = context.waitForEvent("page");
  await page.getByRole("link", { name: "Open npm" }).click();
  const npmPage = await opened;
  await npmPage.waitForLoadState();
  expect(npmPage.url()).toBe(authUrl);
  await expect(npmPage.getByRole("heading", { name: "Use your passkey" })).toBeVisible();
  await npmPage.close();

  await expect(page.getByRole("status").filter({ hasText: "Opened" })).toHaveText(
    "Opened npm's passkey page. CI waits for npm to confirm.",
  );
  await expect(page.getByRole("link", { name: "Open npm" })).toBeHidden();
  const answer = await ci;
  expect(answer.status).toBe(200);
  expect(answer.json).toEqual({
    requestId: expect.any(String),
    approvedAt: expect.any(Number),
    approvedBy: "Alice's phone",
    opened: true,
  });

  await page.goto("/");
  await openAccount(page, npm);
  const history = page.getByRole("list", { name: "Past requests" });
  await expect(history).toContainText("Publish foo@1.2.3 from owner/repo");
  await expect(history).toContainText("opened npm's passkey page");
});

test("covering the rest of a run: the phone sends a code for every step until the run ends, encrypted to CI", async ({
  page,
  server,
}) => {
  const { token } = await setUp(page, server);
  const { privateKey, publicJwk } = await ciKeyPair();
  const askedAt = Date.now();
  const ci = requestOtp(
    server.origin,
    token,
    { operation: publishFoo, publicKey: publicJwk, run: { seconds: 600 }, wait: 60 },
    { accept: "application/json" },
  );
  await page.goto("/");
  await page.getByRole("link", { name: /Publish foo@1\.2\.3\?/ }).click();
  const option = page.getByRole("checkbox", {
    name: /^Also cover the rest of this run — codes until \d\d:\d\d \(\d+ codes\)$/,
  });
  await expect(option).not.toBeChecked();
  await expect(
    page.getByText(/holds a code for every 30 seconds until \d\d:\d\d, encrypted to its own key, and can use them/),
  ).toBeVisible();
  const label = (await option.evaluate((input) => input.closest("label")?.textContent)) ?? "";
  const [, until, promised] = /codes until (\d\d:\d\d) \((\d+) codes\)/.exec(label) ?? [];
  await option.check();
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Approved" })).toHaveText(
    `Approved. Codes until ${until} were sent to CI.`,
  );

  const answer = await ci;
  expect(answer.status).toBe(200);
  const { plaintext } = await compactDecrypt(String(answer.json?.jwe), privateKey);
  const payload = JweAnswerPayload.parse(JSON.parse(new TextDecoder().decode(plaintext)));
  const runUntil = payload.runUntil ?? 0;
  // The run CI offered ends 600 s after the server took the request.
  expect(runUntil).toBeGreaterThanOrEqual(askedAt + 600_000);
  expect(runUntil).toBeLessThanOrEqual(Date.now() + 600_000);
  // The screen counted the codes when the label was read; a 30-second step that ended before the
  // tap leaves one code fewer. The checks below prove the codes still run from now past runUntil.
  expect([Number(promised), Number(promised) - 1]).toContain(payload.codes.length);
  const first = payload.codes[0];
  const last = payload.codes.at(-1);
  expect(first?.notBefore).toBeLessThanOrEqual(Date.now());
  expect(last?.notBefore).toBeLessThanOrEqual(runUntil);
  expect(last?.notAfter).toBeGreaterThan(runUntil);
  for (const [i, code] of payload.codes.entries()) {
    expect(code.notAfter - code.notBefore).toBe(30_000);
    if (i > 0) expect(code.notBefore).toBe(payload.codes[i - 1]?.notAfter);
    expect(code.otp).toBe(await totpAt(npm, code.notBefore));
  }

  await page.goto("/");
  await openAccount(page, npm);
  await expect(page.getByRole("list", { name: "Past requests" })).toContainText(`covered the run until ${until}`);
});

test("a notification's link asks for its request, signed, while the app is still loading", async ({ page, server }) => {
  const { token } = await setUp(page, server);
  const ci = requestOtp(server.origin, token, { package: { name: "foo", version: "1.2.3" }, wait: 30 });
  await page.goto("/");
  const href = await page.getByRole("link", { name: /Publish foo@1\.2\.3/ }).getAttribute("href");
  expect(href).toMatch(/^\/approve\/[\w-]+$/);

  // The phone opens the link from the network (approve.html), as before its service worker is installed.
  await page.evaluate(async () => {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  });
  // The app's script is held back, as on a slow network.
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(/\/assets\/boot-[\w-]+\.js$/, async (route) => {
    await released;
    await route.continue();
  });
  const signatures: (string | undefined)[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.startsWith("/api/v1/approvals/")) {
      signatures.push(request.headers()["x-countersign-signature"]);
    }
  });
  // Which connection each response came on (Chromium's own ids).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const connections: { path: string; connectionId: number }[] = [];
  cdp.on("Network.responseReceived", ({ response }) =>
    connections.push({ path: new URL(response.url).pathname, connectionId: response.connectionId }),
  );
  const response = await page.goto(href ?? "");
  expect(await response?.text()).toContain('data-route="approve"');
  // The request is asked for while the app is still on its way, signed with the device's key, and
  // its question is drawn in the painted screen: the phone says what CI asks before React has arrived.
  await expect.poll(() => signatures.length).toBe(1);
  expect(signatures[0]).toMatch(/^\S{20,}$/);
  // The call goes on a connection the page's own files came on, now idle: no new connection (on
  // https, no TLS handshake) before the request can be shown. A call without credentials would not
  // (browsers keep those connections apart).
  await expect.poll(() => connections.some(({ path }) => path.startsWith("/api/v1/approvals/"))).toBe(true);
  const call = connections.find(({ path }) => path.startsWith("/api/v1/approvals/"));
  const earlier = connections.slice(0, connections.indexOf(call as (typeof connections)[number]));
  expect(
    earlier.map(({ connectionId }) => connectionId),
    JSON.stringify(connections),
  ).toContain(call?.connectionId);
  const painted = page.locator("#first-paint");
  await expect(painted.getByRole("heading", { level: 2, name: "Publish foo@1.2.3?", exact: true })).toBeVisible();
  await expect(page.getByText("Loading the request…")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);

  // The app takes over from that answer: the same heading, now with the facts and the buttons.
  const before = await page.getByRole("heading", { level: 2 }).boundingBox();
  release();
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
  await expect(painted).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 2, name: "Publish foo@1.2.3?", exact: true })).toBeVisible();
  expect(await page.getByRole("heading", { level: 2 }).boundingBox()).toEqual(before);
  // The app used that answer: it did not ask a second time.
  expect(signatures).toHaveLength(1);
  await page.getByRole("button", { name: "Deny", exact: true }).click();
  expect((await ci).status).toBe(403);
});
