import { expect, pairPage, test } from "../../fixtures.js";

test("the pairing link fills in the setup code and pairs this device", async ({ page, server }) => {
  await page.goto(server.pairUrl);
  await expect(page.getByLabel("Setup code")).toHaveValue(server.setupCode);
  await page.getByLabel("Device name").fill("Alice's phone");
  await page.getByRole("button", { name: "Pair this device" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Countersign" })).toBeVisible();
  // The setup code does not stay in the address bar.
  await expect(page).toHaveURL(`${server.origin}/`);
  await expect(page.getByText("Pair this device with your Countersign server")).toBeHidden();
  // The first device gets the recovery code, once.
  await expect(page.getByRole("heading", { name: "Save your recovery code" })).toBeVisible();
  const recoveryCode = (await page.getByTestId("recovery-code").textContent()) ?? "";
  expect(recoveryCode.length).toBeGreaterThan(8);
  await page.getByRole("button", { name: "I saved it" }).click();
  await expect(page.getByRole("heading", { name: "Save your recovery code" })).toBeHidden();

  await page.goto("/settings");
  await expect(page.getByLabel("Device name")).toHaveValue("Alice's phone");
  await expect(page.getByTestId("recovery-code")).toBeHidden();
  await page.getByRole("button", { name: "New recovery code" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Replace recovery code" }).click();
  await expect(page.getByTestId("recovery-code")).toBeVisible();
  expect(await page.getByTestId("recovery-code").textContent()).not.toBe(recoveryCode);
});

test("a wrong setup code is refused with a clear message and pairs nothing", async ({ page, server }) => {
  await page.goto("/pair");
  await page.getByLabel("Setup code").fill("WRONG-CODE");
  await page.getByRole("button", { name: "Pair this device" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByRole("button", { name: "Pair this device" })).toBeVisible();
  // The real code still works afterwards.
  await page.getByLabel("Setup code").fill(server.setupCode);
  await page.getByRole("button", { name: "Pair this device" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Countersign" })).toBeVisible();
});

test("the device key is a non-extractable CryptoKey in IndexedDB", async ({ page, server }) => {
  await pairPage(page, server);
  const key = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open("countersign");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const record = await new Promise<{ privateKey: CryptoKey; deviceId: string }>((resolve, reject) => {
      const get = db.transaction("device").objectStore("device").get("device");
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    });
    let exported = "refused";
    try {
      await crypto.subtle.exportKey("jwk", record.privateKey);
      exported = "exported";
    } catch {
      exported = "refused";
    }
    return {
      isCryptoKey: record.privateKey instanceof CryptoKey,
      extractable: record.privateKey.extractable,
      algorithm: (record.privateKey.algorithm as EcKeyAlgorithm).namedCurve,
      exported,
      hasDeviceId: typeof record.deviceId === "string" && record.deviceId.length > 0,
    };
  });
  expect(key).toEqual({
    isCryptoKey: true,
    extractable: false,
    algorithm: "P-256",
    exported: "refused",
    hasDeviceId: true,
  });
});

test("a second device pairs with an invite link from the first", async ({ page, server, browser }) => {
  await pairPage(page, server, "First phone");
  await page.goto("/settings");
  await page.getByRole("button", { name: "Invite another device" }).click();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();
  expect(inviteUrl).toMatch(new RegExp(`^${server.origin}/pair#invite=`));

  const second = await browser.newContext({ baseURL: server.origin });
  try {
    const other = await second.newPage();
    await other.goto(inviteUrl);
    await expect(other.getByLabel("Invite code")).toHaveValue(
      new URLSearchParams(new URL(inviteUrl).hash.slice(1)).get("invite") ?? "",
    );
    await other.getByLabel("Device name").fill("Second phone");
    await other.getByRole("button", { name: "Pair this device" }).click();
    await expect(other.getByRole("heading", { level: 1, name: "Countersign" })).toBeVisible();
    await expect(other.getByText("Pair this device with your Countersign server")).toBeHidden();
  } finally {
    await second.close();
  }
});
