import { expect, test } from "../../fixtures.js";
import { addAccountByUri, openAccount, testAccount } from "./support/app.js";

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");

// Every confirmation in the app (delete an account, revoke a link, remove a device, a new
// recovery code, Export as QR) is the one ConfirmDialog; this checks it from the keyboard
// on the account's Delete.
test("a confirmation is a modal dialog: named and described, focus on Cancel, Escape cancels and focus returns", async ({
  page,
}) => {
  await page.goto("/");
  await addAccountByUri(page, npm);
  await openAccount(page, npm);
  const deleteButton = page.getByRole("button", { name: "Delete", exact: true });
  await deleteButton.focus();
  await page.keyboard.press("Enter");

  const dialog = page.getByRole("alertdialog", { name: "Delete npm: alice?" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAccessibleDescription(/The secret is erased from this device/);
  // Modal: the screen behind it cannot be reached until it closes.
  expect(await dialog.evaluate((element) => element.matches(":modal"))).toBe(true);
  // A destructive action: the first focus is on the safe choice.
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(dialog.getByRole("button", { name: "Delete account" })).toBeFocused();

  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(deleteButton).toBeFocused();
  await expect(page.getByRole("heading", { level: 1, name: "npm: alice" })).toBeVisible();

  // Cancel by keyboard does the same; Enter on the confirm button deletes.
  await page.keyboard.press("Enter");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  await expect(deleteButton).toBeFocused();
  await page.keyboard.press("Enter");
  await dialog.getByRole("button", { name: "Delete account" }).press("Enter");
  await expect(page.getByText("No accounts yet")).toBeVisible();
});
