import { generateTotp, type TotpParams } from "@countersign/shared";
import { type BrowserContext, expect, type Page, type Worker } from "@playwright/test";

/** What the specs' accounts look like: a registry's URI and the parameters to check codes with. */
export interface TestAccount {
  issuer: string;
  label: string;
  params: TotpParams;
  uri: string;
}

export function testAccount(
  issuer: string,
  label: string,
  secret: string,
  extra: Partial<TotpParams> = {},
): TestAccount {
  const params: TotpParams = { secret, algorithm: "SHA1", digits: 6, period: 30, ...extra };
  const query = new URLSearchParams({ secret, issuer });
  if (extra.algorithm) query.set("algorithm", extra.algorithm);
  if (extra.digits) query.set("digits", String(extra.digits));
  if (extra.period) query.set("period", String(extra.period));
  return {
    issuer,
    label,
    params,
    uri: `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(label)}?${query}`,
  };
}

/** "123 456" as the app shows it. */
export function grouped(otp: string): string {
  const half = Math.ceil(otp.length / 2);
  return `${otp.slice(0, half)} ${otp.slice(half)}`;
}

export function totpAt(account: TestAccount, epochMs: number): Promise<string> {
  return generateTotp(account.params, epochMs);
}

/** CI's request ended with 200 and `account`'s code, the one for the step before the `validUntil` CI was told. */
export async function expectCodeDelivered(ci: Promise<{ status: number; json?: unknown }>, account: TestAccount) {
  const answer = await ci;
  expect(answer.status).toBe(200);
  const { otp, validUntil } = answer.json as { otp: string; validUntil: number };
  expect(otp).toBe(await totpAt(account, validUntil - 1));
}

/** The code row of an account on the first screen. */
export function codeButton(page: Page, account: { issuer: string; label: string }) {
  return page.getByRole("listitem").filter({ hasText: account.label }).getByRole("button").first();
}

/** Adds an account by pasting its otpauth:// URI, and waits for the code list. */
export async function addAccountByUri(page: Page, account: TestAccount): Promise<void> {
  await page.getByRole("link", { name: "Add account" }).click();
  await page.getByRole("button", { name: "Paste" }).click();
  await page.getByLabel("otpauth:// link").fill(account.uri);
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(codeButton(page, account)).toBeVisible();
}

/** What the code list says in place of a code for an account whose 2FA is a passkey. */
export function passkeyRowText(issuer: string): string {
  return `Passkey · approvals open ${issuer}'s page`;
}

/**
 * Adds an account whose 2FA is a passkey or security key (no seed) through
 * Add account → "No code: …", and waits for it on the code list.
 */
export async function addPasskeyAccount(page: Page, account: { issuer: string; label: string }): Promise<void> {
  await page.getByRole("link", { name: "Add account" }).click();
  await page.getByRole("button", { name: "No code: my 2FA is a passkey or security key" }).click();
  await page.getByLabel("Registry").fill(account.issuer);
  await page.getByLabel("Account name").fill(account.label);
  await page.getByRole("button", { name: "Add passkey account" }).click();
  await expect(
    page.getByRole("listitem").filter({ hasText: account.label }).getByText(passkeyRowText(account.issuer)),
  ).toBeVisible();
}

export async function openAccount(page: Page, account: { issuer: string; label: string }): Promise<void> {
  await page.getByRole("link", { name: `Details for ${account.issuer}: ${account.label}` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `${account.issuer}: ${account.label}` })).toBeVisible();
}

/** Creates a CI link on the open account screen; returns what the app showed once. */
export async function createLink(page: Page, name: string): Promise<{ url: string; token: string }> {
  await page.getByLabel("Link name").fill(name);
  await page.getByRole("button", { name: "Create CI link" }).click();
  const url = await page.getByLabel("Link URL").inputValue();
  const token = await page.getByLabel("Token").inputValue();
  return { url, token };
}

/** Opens the account, creates a CI link for it and dismisses the link shown once; returns the link. */
export async function createLinkFor(
  page: Page,
  account: { issuer: string; label: string },
  name: string,
): Promise<{ url: string; token: string }> {
  await openAccount(page, account);
  const link = await createLink(page, name);
  await page.getByRole("button", { name: "Done" }).click();
  return link;
}

/** Turns notifications on from Settings (the push fixture stands in for the browser's push service). */
export async function enableNotifications(page: Page): Promise<void> {
  await page.goto("/settings");
  await page.getByRole("button", { name: "Turn on notifications" }).click();
  await expect(page.getByRole("button", { name: "Turn off notifications" })).toBeVisible();
  await page.goto("/");
}

/**
 * Settings → Notifications → "One-tap Approve also when nothing is verified": without
 * it, a request with no OIDC-verified context has no Approve button on its notification.
 */
export async function allowOneTapUnverified(page: Page): Promise<void> {
  await page.goto("/settings");
  const option = page.getByRole("checkbox", { name: /One-tap Approve also when nothing is verified/ });
  await option.check();
  await expect(option).toBeChecked();
  await page.goto("/");
}

export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: { requestId: string; accountId: string; url: string } & Record<string, unknown>;
  actions: { action: string; title: string }[];
}

/** The CI-request notifications the service worker is showing right now (security notices left out). */
export function shownNotifications(page: Page): Promise<ShownNotification[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    const list = (await registration.getNotifications()).filter((n) => typeof n.data?.requestId === "string");
    return list.map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data,
      actions: ((n as Notification & { actions?: { action: string; title: string }[] }).actions ?? []).map((a) => ({
        action: a.action,
        title: a.title,
      })),
    }));
  });
}

/** Waits until the service worker shows exactly one CI-request notification, and returns it. */
export async function waitForNotification(page: Page): Promise<ShownNotification> {
  await expect.poll(async () => (await shownNotifications(page)).length, { timeout: 15_000 }).toBe(1);
  const [notification] = await shownNotifications(page);
  if (!notification) throw new Error("no notification");
  return notification;
}

export async function serviceWorker(context: BrowserContext): Promise<Worker> {
  const existing = context.serviceWorkers()[0];
  return existing ?? (await context.waitForEvent("serviceworker"));
}

/**
 * Runs the worker's notification-click logic for an action, as a tap on
 * "Approve" or "Deny" would (CDP cannot click a notification).
 */
export async function clickNotificationAction(
  context: BrowserContext,
  action: "approve" | "deny" | "",
  data: unknown,
): Promise<void> {
  const worker = await serviceWorker(context);
  await worker.evaluate(
    async ({ action, data }) => {
      const hook = (self as unknown as { countersignNotificationClick: (a: string, d: unknown) => Promise<unknown> })
        .countersignNotificationClick;
      await hook(action, data);
    },
    { action, data },
  );
}

/**
 * Records Content-Security-Policy violations in the page across navigations
 * (the server sends a strict CSP; the app, html5-qrcode included, must not
 * trip it).
 */
export async function trackCspViolations(page: Page): Promise<() => string[]> {
  const seen: string[] = [];
  await page.exposeFunction("__countersignCspViolation", (text: string) => seen.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { __countersignCspViolation: (text: string) => void })
        .__countersignCspViolation;
      report(`${event.violatedDirective}: ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  return () => [...seen];
}

/** Opens an invite link (a QR code's or a copied one) on a second phone and pairs it under `name`. */
export async function pairByInvite(phone: Page, inviteUrl: string, name: string): Promise<void> {
  await phone.goto(inviteUrl);
  await phone.getByLabel("Device name").fill(name);
  await phone.getByRole("button", { name: "Pair this device" }).click();
}

/** Downloads an encrypted backup from Settings, made with `passphrase`, and saves it at `path`. */
export async function downloadBackup(page: Page, passphrase: string, path: string): Promise<void> {
  await page.goto("/settings");
  await page.getByLabel("Backup passphrase").fill(passphrase);
  await page.getByLabel("Repeat the passphrase").fill(passphrase);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download encrypted backup" }).click(),
  ]);
  await download.saveAs(path);
}

/** Imports the backup file at `path` with `passphrase` from Settings; the caller checks what it says. */
export async function importBackup(phone: Page, path: string, passphrase: string): Promise<void> {
  await phone.goto("/settings");
  await phone.getByLabel("Backup file").setInputFiles(path);
  await phone.getByLabel("Passphrase of the backup").fill(passphrase);
  await phone.getByRole("button", { name: "Import backup" }).click();
}
