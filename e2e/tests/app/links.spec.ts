import { expect, pairPage, test } from "../../fixtures.js";
import { requestOtp } from "../../helpers/apiDevice.js";
import { addAccountByUri, createLink, expectCodeDelivered, openAccount, testAccount } from "./support/app.js";

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");

test("a CI link is shown once with recipes, answers CI after approval on screen, and can be renamed and revoked", async ({
  page,
  server,
}) => {
  await pairPage(page, server);
  await addAccountByUri(page, npm);
  await openAccount(page, npm);
  const { url, token } = await createLink(page, "release workflow");
  expect(token).toMatch(/^cs_[A-Za-z0-9_-]{32}$/);
  expect(url).toBe(`${server.origin}/api/v1/otp/${token}`);
  for (const recipe of ["GitHub Actions step", "GitLab job", "curl", "Countersign CLI"]) {
    await expect(page.getByRole("button", { name: `Copy ${recipe}` })).toBeVisible();
  }
  await expect(page.getByText('--fail-with-body -X POST "$COUNTERSIGN_URL"')).toBeVisible();
  await expect(page.getByText("npx -y countersign@0.1.0 exec -- npm publish").first()).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByLabel("Token")).toBeHidden();
  const links = page.getByRole("list", { name: "CI links" });
  const item = links.getByRole("listitem").filter({ hasText: "release workflow" });
  await expect(item).toContainText("Last used never");

  // CI asks; the request shows on the first screen; approving sends the code.
  const ci = requestOtp(
    server.origin,
    token,
    {
      package: { name: "foo", version: "1.2.3" },
      context: { repository: "owner/repo", workflow: "release.yml", ref: "refs/tags/v1.2.3" },
      wait: 30,
    },
    { accept: "application/json" },
  );
  await page.goto("/");
  await page.getByRole("link", { name: /Publish foo@1\.2\.3 from owner\/repo\?/ }).click();
  await expect(page.getByRole("heading", { name: "Publish foo@1.2.3 from owner/repo?" })).toBeVisible();
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Approved. The code was sent to CI." })).toBeVisible();
  await expectCodeDelivered(ci, npm);

  await page.goto("/");
  await openAccount(page, npm);
  await expect(item).toContainText("Last used just now");
  await expect(page.getByRole("list", { name: "Past requests" }).getByRole("listitem")).toContainText(/Approved/);

  await item.getByRole("button", { name: "Rename release workflow" }).click();
  await item.getByLabel("Link name").fill("publish job");
  await item.getByRole("button", { name: "Save" }).click();
  const renamed = links.getByRole("listitem").filter({ hasText: "publish job" });
  await expect(renamed).toBeVisible();

  await renamed.getByRole("button", { name: "Revoke publish job" }).click();
  await renamed.getByRole("button", { name: "Revoke link" }).click();
  await expect(renamed).toBeHidden();
  expect((await requestOtp(server.origin, token)).status).toBe(401);
});
