import { readFileSync, writeFileSync } from "node:fs";
import type { BrowserContext, Page } from "@playwright/test";
import { expect, pairPage, test } from "../fixtures.js";
import { expectAccessible } from "../helpers/accessibility.js";
import { requestOtp } from "../helpers/apiDevice.js";
import { connectPush } from "../helpers/pushBridge.js";
import {
  addAccountByUri,
  codeButton,
  createLinkFor,
  downloadBackup,
  enableNotifications,
  importBackup,
  openAccount,
  pairByInvite,
  testAccount,
  totpAt,
  trackCspViolations,
} from "./app/support/app.js";

const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");
const github = testAccount("GitHub", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
const PASSPHRASE = "correct horse battery staple";

// Two or three phones, PBKDF2 with 600,000 rounds and several approvals: more than the default minute on a busy machine.
test.setTimeout(150_000);

/** Every request a context makes (URL, headers and body), to prove no seed ever leaves a device in clear. */
function recordRequests(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on("request", (request) => {
    seen.push(`${request.method()} ${request.url()} ${JSON.stringify(request.headers())} ${request.postData() ?? ""}`);
  });
  return seen;
}

function expectNoSeed(requests: string[]) {
  expect(requests.length).toBeGreaterThan(0);
  for (const secret of [npm.params.secret, github.params.secret]) {
    for (const text of requests) expect(text).not.toContain(secret);
  }
}

/** Pairs the page with the setup code and returns the recovery code it showed once. */
async function pairFirst(page: Page, server: Parameters<typeof pairPage>[1], name: string): Promise<string> {
  await pairPage(page, server, name);
  await expect(page.getByRole("heading", { name: "Save your recovery code" })).toBeVisible();
  const code = (await page.getByTestId("recovery-code").textContent())?.trim() ?? "";
  await page.getByRole("button", { name: "I saved it" }).click();
  return code;
}

/** Approves on the approval screen (opened directly: a push may also open it by itself while the app is open). */
async function approveOnScreen(page: Page, requestId?: string) {
  if (requestId) await page.goto(`/approve/${requestId}`);
  else {
    await page.goto("/");
    await page.getByRole("link", { name: /Publish foo@1\.2\.3/ }).click();
  }
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Approved/ })).toBeVisible();
}

test("a second phone joins by invite QR, receives the chosen seeds end-to-end encrypted, and can be removed", async ({
  page,
  context,
  server,
  browser,
  pushService,
  push,
}) => {
  const requestsA = recordRequests(context);
  await pairFirst(page, server, "Alice's phone");
  await addAccountByUri(page, npm);
  await addAccountByUri(page, github);
  const { token } = await createLinkFor(page, npm, "CI");
  await enableNotifications(page);

  await page.goto("/settings");
  await page.getByRole("button", { name: "Invite another device" }).click();
  await expect(page.getByRole("img", { name: "Invite QR code" })).toBeVisible();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();
  expect(inviteUrl).toMatch(new RegExp(`^${server.origin}/pair#invite=[^&]+&transfer=[A-Za-z0-9_-]{43}$`));

  const second = await browser.newContext({ baseURL: server.origin });
  const requestsB = recordRequests(second);
  try {
    const phone = await second.newPage();
    const pushB = await connectPush(second, phone, pushService, server.origin);
    await pairByInvite(phone, inviteUrl, "Bob's phone");
    await expect(phone.getByText("Waiting for your other device to send accounts")).toBeVisible();

    // The inviter sees who joined and chooses what to send: npm only.
    await expect(page.getByText("Bob's phone joined")).toBeVisible();
    await page.getByRole("checkbox", { name: "GitHub: alice" }).uncheck();
    await page.getByRole("button", { name: "Send 1 account" }).click();

    await expect(phone.getByText("Received 1 account from Alice's phone.")).toBeVisible();
    await expect(codeButton(phone, npm)).toBeVisible();
    await expect(phone.getByText("GitHub")).toBeHidden();
    await phone.getByRole("button", { name: "Done" }).click();
    await enableNotifications(phone);

    // Both phones are notified; the first answer wins and CI gets its code.
    const ci = requestOtp(server.origin, token, { package: { name: "foo", version: "1.2.3" }, wait: 60 });
    const isApproval = (endpoint: string) => (m: { endpoint: string; payload: unknown }) =>
      m.endpoint === endpoint && (m.payload as { type?: string } | null)?.type === "approval";
    const [toA, toB] = await Promise.all([
      pushService.waitForMessage(isApproval(push.subscription.endpoint)),
      pushService.waitForMessage(isApproval(pushB.subscription.endpoint)),
    ]);
    const requestId = (toA.payload as { requestId: string }).requestId;
    expect((toB.payload as { requestId: string }).requestId).toBe(requestId);
    await approveOnScreen(phone, requestId);
    const answer = await ci;
    expect(answer.status).toBe(200);
    const now = Date.now();
    expect([await totpAt(npm, now - 30_000), await totpAt(npm, now), await totpAt(npm, now + 30_000)]).toContain(
      answer.text.trim(),
    );
    await page.goto(`/approve/${requestId}`);
    await expect(page.getByText("Already approved — answered on Bob's phone.")).toBeVisible();

    // Devices list, then removal: the removed phone can no longer answer.
    await page.goto("/settings");
    const devices = page.getByRole("list", { name: "Paired devices" });
    await expect(devices.getByRole("listitem").filter({ hasText: "Alice's phone" })).toContainText("This device");
    const bob = devices.getByRole("listitem").filter({ hasText: "Bob's phone" });
    await expect(bob).toContainText("Last seen");
    await bob.getByRole("button", { name: "Remove…" }).click();
    await page.getByRole("button", { name: "Remove Bob's phone" }).click();
    await expect(devices.getByRole("listitem").filter({ hasText: "Bob's phone" })).toHaveCount(0);

    const before = pushService.messages.filter(isApproval(pushB.subscription.endpoint)).length;
    const ci2 = requestOtp(server.origin, token, { package: { name: "foo", version: "1.2.3" }, wait: 60 });
    const second2 = await pushService.waitForMessage(
      (m) => isApproval(push.subscription.endpoint)(m) && (m.payload as { requestId: string }).requestId !== requestId,
    );
    const requestId2 = (second2.payload as { requestId: string }).requestId;
    await phone.goto(`/approve/${requestId2}`);
    await expect(phone.getByText(/not paired \(or was removed\)/)).toBeVisible();
    expect(pushService.messages.filter(isApproval(pushB.subscription.endpoint)).length).toBe(before);
    await approveOnScreen(page, requestId2);
    expect((await ci2).status).toBe(200);

    // The removed phone says so in Settings and can forget the pairing; its codes stay.
    await phone.goto("/settings");
    await expect(phone.getByText("The server no longer knows this device")).toBeVisible();
    await phone.getByRole("button", { name: "Forget this pairing" }).click();
    await expect(phone.getByRole("link", { name: "Pair this device" })).toBeVisible();
    await phone.goto("/");
    await expect(codeButton(phone, npm)).toBeVisible();
    await pushB.stop();
  } finally {
    await second.close();
  }
  expectNoSeed(requestsA);
  expectNoSeed(requestsB);
});

test("an open invite is listed under Settings → Devices and revoked there; its link then pairs nothing", async ({
  page,
  server,
  browser,
}) => {
  await pairFirst(page, server, "Alice's phone");
  await page.goto("/settings");
  await page.getByRole("button", { name: "Invite another device" }).click();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();

  await page.reload();
  const open = page.getByRole("list", { name: "Open invites" });
  await expect(open.getByRole("listitem")).toHaveCount(1);
  await expect(open).toContainText("Invite from Alice's phone");
  await expect(open).not.toContainText(decodeURIComponent(inviteUrl.split("#invite=")[1]?.split("&")[0] ?? "-"));
  await open.getByRole("button", { name: "Revoke the invite from Alice's phone" }).click();
  await expect(page.getByText("Invite revoked")).toBeVisible();
  await expect(page.getByRole("list", { name: "Open invites" })).toBeHidden();
  await page.getByText("Security events").click();
  await expect(page.getByRole("list", { name: "Security events" })).toContainText("An invite was revoked");

  const second = await browser.newContext({ baseURL: server.origin });
  try {
    const phone = await second.newPage();
    await pairByInvite(phone, inviteUrl, "Mallory's phone");
    await expect(phone.getByText("The invite code is wrong, expired or already used.")).toBeVisible();
  } finally {
    await second.close();
  }
  await page.reload();
  await expect(page.getByRole("list", { name: "Paired devices" }).getByRole("listitem")).toHaveCount(1);
});

test("a new phone recovers with the recovery code and an encrypted backup; the old links keep working", async ({
  page,
  context,
  server,
  browser,
  pushService,
  push,
}, testInfo) => {
  const requestsA = recordRequests(context);
  const recoveryCode = await pairFirst(page, server, "Old phone");
  expect(recoveryCode).toMatch(/^([A-Z2-9]{4}-){5}[A-Z2-9]{4}$/);
  await addAccountByUri(page, npm);
  const { token } = await createLinkFor(page, npm, "CI");
  await enableNotifications(page);

  // An encrypted backup, downloaded as a file.
  const backupPath = testInfo.outputPath("backup.json");
  await downloadBackup(page, PASSPHRASE, backupPath);
  const backup = readFileSync(backupPath, "utf8");
  expect(backup).not.toContain(npm.params.secret);
  expect(JSON.parse(backup)).toMatchObject({
    format: "countersign-backup",
    version: 1,
    kdf: { name: "PBKDF2", hash: "SHA-256", iterations: 600_000 },
    cipher: { name: "AES-GCM" },
  });
  expectNoSeed(requestsA);
  // The old phone is gone (its push subscription stays on the server).
  await push.stop();
  await page.close();

  const third = await browser.newContext({ baseURL: server.origin });
  const requestsC = recordRequests(third);
  try {
    const phone = await third.newPage();
    await phone.goto("/pair");
    await phone.getByRole("link", { name: "Recover with a recovery code" }).click();
    await phone.getByLabel("Recovery code").fill("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF");
    await phone.getByLabel("Device name").fill("New phone");
    await phone.getByRole("button", { name: "Recover" }).click();
    await expect(phone.getByText("The recovery code is wrong or was already used.")).toBeVisible();
    await phone.getByLabel("Recovery code").fill(recoveryCode.toLowerCase());
    await phone.getByRole("button", { name: "Recover" }).click();
    await expect(phone.getByRole("heading", { level: 1, name: "Recovered" })).toBeVisible();
    await expect(phone.getByRole("list", { name: "Accounts to restore" })).toContainText("npm: alice");
    const newCode = (await phone.getByTestId("recovery-code").textContent())?.trim() ?? "";
    expect(newCode).toMatch(/^([A-Z2-9]{4}-){5}[A-Z2-9]{4}$/);
    expect(newCode).not.toBe(recoveryCode);
    await phone.getByRole("button", { name: "I saved it" }).click();

    // The other device is told by push: of the wrong code tried (issue 18), then of the recovery.
    const security = (title: string) =>
      pushService.waitForMessage(
        (m) =>
          m.endpoint === push.subscription.endpoint &&
          (m.payload as { type?: string; title?: string } | null)?.type === "security" &&
          (m.payload as { title?: string }).title === title,
      );
    expect((await security("Wrong recovery code tried")).payload).toMatchObject({ type: "security" });
    const told = await security("Recovery code used");
    expect(told.payload).toMatchObject({ title: "Recovery code used" });

    // The backup: a wrong passphrase fails clearly and adds nothing; the right one restores the seed.
    await importBackup(phone, backupPath, "wrong passphrase!");
    await expect(phone.getByText("Wrong passphrase, or the file was modified. Nothing was imported.")).toBeVisible();
    await phone.goto("/");
    await expect(codeButton(phone, npm)).toBeHidden();
    await importBackup(phone, backupPath, PASSPHRASE);
    await expect(phone.getByText("Imported 1 account")).toBeVisible();
    await phone.goto("/");
    await expect(codeButton(phone, npm)).toBeVisible();

    // The security log says what happened; the CI link made on the old phone is answered by the new one.
    await phone.goto("/settings");
    await phone.getByText("Security events").click();
    await expect(phone.getByRole("list", { name: "Security events" })).toContainText("The recovery code paired");
    const ci = requestOtp(server.origin, token, { package: { name: "foo", version: "1.2.3" }, wait: 60 });
    await expect(async () => {
      await phone.goto("/");
      await expect(phone.getByRole("link", { name: /Publish foo@1\.2\.3/ })).toBeVisible({ timeout: 3000 });
    }).toPass({ timeout: 30_000 });
    await approveOnScreen(phone);
    const answer = await ci;
    expect(answer.status).toBe(200);
    const now = Date.now();
    expect([await totpAt(npm, now - 30_000), await totpAt(npm, now), await totpAt(npm, now + 30_000)]).toContain(
      answer.text.trim(),
    );
  } finally {
    await third.close();
  }
  expectNoSeed(requestsC);
});

/** A Google Authenticator export, encoded by hand: MigrationPayload { repeated OtpParameters otp_parameters = 1; ... }. */
function migrationUri(entries: { secret: string; name: string; issuer: string; type: 1 | 2 }[]): string {
  const varint = (value: number) => {
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    return out;
  };
  const bytesField = (field: number, bytes: number[]) => [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
  const intField = (field: number, value: number) => [...varint(field * 8), ...varint(value)];
  const base32 = (text: string) => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const out: number[] = [];
    let bits = 0;
    let value = 0;
    for (const char of text) {
      value = (value << 5) | alphabet.indexOf(char);
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return out;
  };
  const utf8 = (text: string) => [...Buffer.from(text, "utf8")];
  const payload = entries.flatMap((entry) =>
    bytesField(1, [
      ...bytesField(1, base32(entry.secret)),
      ...bytesField(2, utf8(`${entry.issuer}:${entry.name}`)),
      ...bytesField(3, utf8(entry.issuer)),
      ...intField(4, 1),
      ...intField(5, 1),
      ...intField(6, entry.type),
    ]),
  );
  return `otpauth-migration://offline?data=${encodeURIComponent(Buffer.from([...payload, ...intField(2, 1)]).toString("base64"))}`;
}

test("a Google Authenticator export adds its TOTP accounts, and an account exports as a standard QR code another phone scans", async ({
  page,
  browser,
  server,
}, testInfo) => {
  await pairFirst(page, server, "Alice's phone");
  await page.getByRole("link", { name: "Add account" }).click();
  await page.getByRole("button", { name: "Paste" }).click();
  await page.getByLabel("otpauth:// link").fill(
    migrationUri([
      { secret: npm.params.secret, name: "alice", issuer: "npm", type: 2 },
      { secret: "MFRGGZDFMZTWQ2LK", name: "counter", issuer: "Old VPN", type: 1 },
    ]),
  );
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(page.getByText(/Imported 1 account from Google Authenticator\. skipped Old VPN: counter/)).toBeVisible();
  await expect(codeButton(page, npm)).toBeVisible();
  await expect(page.getByText("Old VPN")).toBeHidden();
  const code = (await codeButton(page, npm).getByTestId("code").textContent())?.replace(/\s/g, "") ?? "";
  const now = Date.now();
  expect([await totpAt(npm, now - 30_000), await totpAt(npm, now), await totpAt(npm, now + 30_000)]).toContain(code);

  // Export as QR asks first, then shows a standard otpauth:// QR code.
  await openAccount(page, npm);
  await page.getByRole("button", { name: "Export as QR…" }).click();
  await expect(page.getByRole("alertdialog")).toContainText("Anyone who sees or photographs it");
  await page.getByRole("button", { name: "Show the QR code" }).click();
  const qr = page.getByRole("img", { name: "otpauth QR code of npm: alice" });
  await expect(qr).toBeVisible();
  const src = (await qr.getAttribute("src")) ?? "";
  const png = testInfo.outputPath("export.png");
  writeFileSync(png, Buffer.from(src.replace(/^data:image\/png;base64,/, ""), "base64"));
  await page.getByRole("button", { name: "Hide the QR code" }).click();
  await expect(qr).toBeHidden();

  // Another authenticator (here: a fresh, unpaired Countersign) scans it and makes the same codes.
  const other = await browser.newContext({ baseURL: server.origin });
  try {
    const phone = await other.newPage();
    await phone.goto("/add");
    await phone.getByRole("button", { name: "Image" }).click();
    await phone.locator('input[type="file"]').setInputFiles(png);
    await expect(codeButton(phone, npm)).toBeVisible();
    await expect
      .poll(async () => {
        const shown = (await codeButton(phone, npm).getByTestId("code").textContent())?.replace(/\s/g, "");
        const at = Date.now();
        return [await totpAt(npm, at - 30_000), await totpAt(npm, at)].includes(shown ?? "");
      })
      .toBe(true);
  } finally {
    await other.close();
  }
});

test("the new phone can read the invite QR code with the app's own scanner", async ({
  page,
  browser,
  server,
}, testInfo) => {
  await pairFirst(page, server, "Alice's phone");
  await page.goto("/settings");
  await page.getByRole("button", { name: "Invite another device" }).click();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();
  const src = (await page.getByRole("img", { name: "Invite QR code" }).getAttribute("src")) ?? "";
  const png = testInfo.outputPath("invite.png");
  writeFileSync(png, Buffer.from(src.replace(/^data:image\/png;base64,/, ""), "base64"));

  const other = await browser.newContext({ baseURL: server.origin });
  try {
    const phone = await other.newPage();
    await phone.goto("/pair");
    // As a person would, choose the image once the control can be used: pair.html paints it disabled
    // until the app has taken over (setInputFiles, unlike a click, does not wait for that).
    await expect(phone.getByLabel("Invite QR from an image")).toBeEnabled();
    await phone.getByLabel("Invite QR from an image").setInputFiles(png);
    await expect(phone.getByLabel("Invite code")).toHaveValue(
      new URLSearchParams(new URL(inviteUrl).hash.slice(1)).get("invite") ?? "",
    );
    await phone.getByLabel("Device name").fill("Bob's phone");
    await phone.getByRole("button", { name: "Pair this device" }).click();
    await expect(phone.getByText("Waiting for your other device to send accounts")).toBeVisible();
    await expect(page.getByText("Bob's phone joined")).toBeVisible();
  } finally {
    await other.close();
  }
});

test("the devices, backup, export and recovery screens pass axe under the strict CSP", async ({
  page,
  browser,
  server,
}) => {
  const cspViolations = await trackCspViolations(page);
  await pairFirst(page, server, "Alice's phone");
  await addAccountByUri(page, npm);
  await openAccount(page, npm);
  await page.getByRole("button", { name: "Export as QR…" }).click();
  await expectAccessible(page, "export QR confirmation");
  await page.getByRole("button", { name: "Show the QR code" }).click();
  await expect(page.getByRole("img", { name: /otpauth QR code/ })).toBeVisible();
  await expectAccessible(page, "export QR shown");

  await page.goto("/settings");
  await page.getByRole("button", { name: "Invite another device" }).click();
  await expect(page.getByRole("img", { name: "Invite QR code" })).toBeVisible();
  const inviteUrl = await page.getByLabel(/Invite link/).inputValue();
  await expectAccessible(page, "settings with an invite");

  const other = await browser.newContext({ baseURL: server.origin });
  try {
    const phone = await other.newPage();
    const phoneCsp = await trackCspViolations(phone);
    await phone.goto("/recover");
    await phone.getByRole("button", { name: "Recover" }).click();
    await expectAccessible(phone, "recover");
    await pairByInvite(phone, inviteUrl, "Bob's phone");
    await expect(phone.getByText("Waiting for your other device to send accounts")).toBeVisible();
    await expectAccessible(phone, "waiting for accounts");
    await expect(page.getByText(/joined/)).toBeVisible();
    await expectAccessible(page, "choosing accounts to send");
    await page.getByRole("button", { name: "Send 1 account" }).click();
    await expect(phone.getByText(/Received 1 account/)).toBeVisible();
    await expectAccessible(phone, "accounts received");
    expect(phoneCsp()).toEqual([]);
  } finally {
    await other.close();
  }

  await page.goto("/settings");
  await page
    .getByRole("list", { name: "Paired devices" })
    .getByRole("listitem")
    .filter({ hasText: "Bob's phone" })
    .getByRole("button", { name: "Remove…" })
    .click();
  await expectAccessible(page, "remove device confirmation");
  expect(cspViolations()).toEqual([]);
});
