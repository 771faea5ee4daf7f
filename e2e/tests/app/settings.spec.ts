import type { DeviceView } from "@countersign/shared";
import { expect, pairPage, test } from "../../fixtures.js";
import { ApiDevice } from "../../helpers/apiDevice.js";

test("settings: rename this device (the server and other devices see it) and see the app version", async ({
  page,
  server,
}) => {
  await pairPage(page, server, "Old name");
  await page.goto("/settings");
  await expect(page.getByTestId("app-version")).toHaveText(/^\d+\.\d+\.\d+/);
  await page.getByRole("button", { name: "Invite another device" }).click();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();
  const other = await ApiDevice.pair(
    server.origin,
    { inviteCode: new URLSearchParams(new URL(inviteUrl).hash.slice(1)).get("invite") ?? "" },
    "Tablet",
  );

  await page.getByLabel("Device name").fill("Alice's Pixel");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Device name saved" })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Device name")).toHaveValue("Alice's Pixel");
  const devices = await other.call<DeviceView[] | { devices: DeviceView[] }>("GET", "/api/v1/devices");
  const names = (Array.isArray(devices) ? devices : devices.devices).map((d) => d.name).sort();
  expect(names).toEqual(["Alice's Pixel", "Tablet"]);
});

test.describe("on an iPhone, outside the Home Screen", () => {
  test.use({
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
  });

  test("settings explain how to get notifications instead of offering a switch that cannot work", async ({
    page,
    server,
  }) => {
    await pairPage(page, server);
    await page.goto("/settings");
    await expect(page.getByText("Add to Home Screen")).toBeVisible();
    await expect(page.getByRole("button", { name: "Turn on notifications" })).toBeHidden();
  });
});

test("settings explain what to do when notifications are blocked for the site", async ({ page, server }) => {
  // The browser's answer when the user blocked notifications earlier.
  await page.addInitScript(() => {
    Object.defineProperty(Notification, "permission", { get: () => "denied" });
    Notification.requestPermission = async () => "denied";
  });
  await pairPage(page, server);
  await page.goto("/settings");
  await expect(page.getByText("Notifications are blocked for this site.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Turn on notifications" })).toBeHidden();
});
