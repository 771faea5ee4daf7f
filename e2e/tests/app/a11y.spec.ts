import { exportJWK, generateKeyPair } from "jose";
import { expect, pairPage, test } from "../../fixtures.js";
import { expectAccessible } from "../../helpers/accessibility.js";
import { requestOtp } from "../../helpers/apiDevice.js";
import { npmPublish } from "../../helpers/registryOperations.js";
import {
  addAccountByUri,
  addPasskeyAccount,
  createLink,
  openAccount,
  testAccount,
  trackCspViolations,
} from "./support/app.js";

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");

test("every screen passes axe without serious violations, under the strict CSP", async ({ page, server }) => {
  // About thirty-five axe runs (each screen in light and dark mode).
  test.setTimeout(240_000);
  const cspViolations = await trackCspViolations(page);
  await page.goto("/");
  await expect(page.getByText("No accounts yet")).toBeVisible();
  await expectAccessible(page, "empty home");

  await page.goto(server.pairUrl);
  await expect(page.getByLabel("Setup code")).toBeVisible();
  await expectAccessible(page, "pairing");
  await pairPage(page, server);

  await page.goto("/add");
  for (const method of ["Camera", "Image", "Paste", "Manual"]) {
    await page.getByRole("button", { name: method, exact: true }).click();
    await expectAccessible(page, `add account: ${method}`);
  }
  await page.getByLabel("Secret key").fill("not base32!");
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expectAccessible(page, "add account: error");

  await page.goto("/");
  await addAccountByUri(page, npm);
  await expectAccessible(page, "code list");

  await openAccount(page, npm);
  const { token } = await createLink(page, "CI");
  await expectAccessible(page, "created link with recipes");
  await page.getByRole("button", { name: "Done" }).click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await expectAccessible(page, "delete confirmation");
  await page.getByRole("alertdialog").getByRole("button", { name: "Cancel" }).click();

  const ci = requestOtp(server.origin, token, {
    package: { name: "foo", version: "1.2.3" },
    context: { repository: "owner/repo", runUrl: "https://github.com/owner/repo/actions/runs/1" },
    wait: 30,
  });
  await page.goto("/");
  await expect(page.getByRole("link", { name: /Publish foo@1\.2\.3/ })).toBeVisible();
  await expectAccessible(page, "code list with a waiting request");
  await page.getByRole("link", { name: /Publish foo@1\.2\.3/ }).click();
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
  await expectAccessible(page, "approval");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Approved" })).toBeVisible();
  await expectAccessible(page, "approval outcome");
  expect((await ci).status).toBe(200);

  // The registry relay's requests: what the publish request says, npm's passkey page, a run offer.
  const operation = npmPublish("foo", "1.2.4", {
    tag: "next",
    tarball: { size: 2_400_000, integrity: `sha512-${"Zm9v".repeat(21)}YQ==` },
  });
  const passkeyPage = requestOtp(server.origin, token, {
    operation,
    challenge: { type: "web", authUrl: "https://www.npmjs.com/auth/cli/0b1c" },
    context: { repository: "owner/repo" },
    wait: 30,
  });
  await page.goto("/");
  await page.getByRole("link", { name: /npm asks for your passkey to publish foo@1\.2\.4/ }).click();
  await expect(page.getByRole("link", { name: "Open npm" })).toBeVisible();
  await page.getByText("sha512-Zm9vZm9vZm…9vYQ==").click();
  await expectAccessible(page, "approval of npm's passkey page, with the publish request");
  await page.getByRole("button", { name: "Deny", exact: true }).click();
  expect((await passkeyPage).status).toBe(403);

  const { publicKey } = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
  const run = requestOtp(server.origin, token, {
    operation,
    publicKey: await exportJWK(publicKey),
    run: { seconds: 900 },
    wait: 30,
  });
  await page.goto("/");
  await page.getByRole("link", { name: /Publish foo@1\.2\.4\?/ }).click();
  await expect(page.getByRole("checkbox", { name: /Also cover the rest of this run/ })).toBeVisible();
  await expectAccessible(page, "approval with the run option");
  await page.getByRole("button", { name: "Deny", exact: true }).click();
  expect((await run).status).toBe(403);

  await page.goto("/");
  await openAccount(page, npm);
  await expect(page.getByRole("list", { name: "Past requests" })).toContainText("foo@1.2.3");
  await expectAccessible(page, "account with links and history");

  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Notifications" })).toBeVisible();
  await expectAccessible(page, "settings");
  expect(cspViolations()).toEqual([]);
});

test("the passkey account's screens pass axe: adding it, the code list, its screen, a request it cannot answer", async ({
  page,
  server,
}) => {
  test.setTimeout(180_000);
  const cspViolations = await trackCspViolations(page);
  await pairPage(page, server);
  await page.goto("/add");
  await page.getByRole("button", { name: "No code: my 2FA is a passkey or security key" }).click();
  await expectAccessible(page, "add account: no code (passkey)");
  await page.getByRole("button", { name: "Add passkey account" }).click();
  await expect(page.getByRole("alert")).toHaveText("Enter the account name.");
  await expectAccessible(page, "add account: no code, error");

  await page.goto("/");
  await addAccountByUri(page, npm);
  await addPasskeyAccount(page, { issuer: "npm", label: "bob" });
  await expectAccessible(page, "code list with a passkey account");
  await openAccount(page, { issuer: "npm", label: "bob" });
  const { token } = await createLink(page, "CI");
  await page.getByRole("button", { name: "Done" }).click();
  await expectAccessible(page, "passkey account with its link");

  const ci = requestOtp(server.origin, token, { package: { name: "foo", version: "1.2.3" }, wait: 30 });
  await page.goto("/");
  await page.getByRole("link", { name: /Publish foo@1\.2\.3/ }).click();
  await expect(page.getByText(/This account has no code on this phone/)).toBeVisible();
  await expectAccessible(page, "approval a passkey account cannot answer with a code");
  await page.getByRole("button", { name: "Deny", exact: true }).click();
  expect((await ci).status).toBe(403);
  expect(cspViolations()).toEqual([]);
});
