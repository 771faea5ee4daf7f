import { devices, type Page } from "@playwright/test";
import { expect, pairPage, test } from "../fixtures.js";
import { requestOtp } from "../helpers/apiDevice.js";
import { usePlatformAuthenticator } from "../helpers/execPhone.js";
import { addAccountByUri, createLink, openAccount, testAccount } from "./app/support/app.js";

// A phone: every screen must fit its width, so nothing needs sideways scrolling to reach.
test.use({ viewport: devices["Pixel 7"].viewport, isMobile: true, hasTouch: true });

const npm = testAccount("npm", "a-maintainer-with-a-rather-long-name@example.com", "JBSWY3DPEHPK3PXP");

async function expectNoSidewaysScroll(page: Page, screen: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${screen} is wider than the phone`).toBeLessThanOrEqual(innerWidth);
}

test("every screen fits a phone's width", async ({ page, server }) => {
  await page.goto(server.pairUrl);
  await expect(page.getByRole("button", { name: "Pair this device" })).toBeVisible();
  await expectNoSidewaysScroll(page, "pairing");
  await pairPage(page, server);
  await expect(page.getByRole("heading", { name: "Save your recovery code" })).toBeVisible();
  await expectNoSidewaysScroll(page, "recovery code");
  await page.goto("/");
  await expectNoSidewaysScroll(page, "home (empty)");
  await addAccountByUri(page, npm);
  await expectNoSidewaysScroll(page, "home");
  await page.getByRole("link", { name: "Add account" }).click();
  await expectNoSidewaysScroll(page, "add account");
  await page.goto("/");
  await openAccount(page, npm);
  const { token } = await createLink(page, "release workflow");
  await expectNoSidewaysScroll(page, "created CI link with recipes");
  await page.getByRole("button", { name: "Done" }).click();

  const ci = requestOtp(server.origin, token, {
    package: { name: "@scope/a-package-with-a-long-name", version: "10.20.30-beta.4" },
    context: { repository: "an-organization/a-repository", runUrl: "https://github.com/o/r/actions/runs/1234567890" },
    wait: 30,
  });
  await page.goto("/");
  await page.getByRole("link", { name: /Publish @scope/ }).click();
  await expectNoSidewaysScroll(page, "approval");
  await page.getByRole("button", { name: "Deny", exact: true }).click();
  expect((await ci).status).toBe(403);
  await page.goto("/settings");
  await expectNoSidewaysScroll(page, "settings");
});

test("the recovery and lock screens fit a phone's width too", async ({ page, server }) => {
  await page.goto("/recover");
  await expect(page.getByRole("heading").first()).toBeVisible();
  await expectNoSidewaysScroll(page, "recover with the recovery code");

  await pairPage(page, server);
  await addAccountByUri(page, npm);
  // A platform authenticator (Chromium's virtual one) for the passkey the app lock needs.
  await usePlatformAuthenticator(page);
  await page.goto("/settings");
  await page.getByRole("button", { name: "Require passkey to approve" }).click();
  await page.getByLabel("Lock the app").selectOption({ label: "Immediately" });
  await expect(page.getByText("App lock is on")).toBeVisible();
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Countersign is locked" })).toBeVisible();
  await expectNoSidewaysScroll(page, "app lock");
});

test("the invite and account transfer screens fit a phone's width on both phones", async ({
  page,
  server,
  browser,
}) => {
  await pairPage(page, server);
  await addAccountByUri(page, npm);
  await page.goto("/settings");
  await page.getByRole("button", { name: "Invite another device" }).click();
  await expect(page.getByRole("img", { name: "Invite QR code" })).toBeVisible();
  await expectNoSidewaysScroll(page, "invite");
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();

  const second = await browser.newContext({ ...devices["Pixel 7"], baseURL: server.origin });
  try {
    const phone = await second.newPage();
    await phone.goto(inviteUrl);
    await phone.getByLabel("Device name").fill("A second phone with a long name");
    await expectNoSidewaysScroll(phone, "joining by invite");
    await phone.getByRole("button", { name: "Pair this device" }).click();
    await expect(phone.getByText("Waiting for your other device to send accounts")).toBeVisible();
    await expectNoSidewaysScroll(phone, "waiting for accounts");

    await expect(page.getByText("A second phone with a long name joined")).toBeVisible();
    await expectNoSidewaysScroll(page, "choosing accounts to send");
    await page.getByRole("button", { name: "Send 1 account" }).click();
    await expect(phone.getByText(/Received 1 account/)).toBeVisible();
    await expectNoSidewaysScroll(phone, "accounts received");
  } finally {
    await second.close();
  }
});
