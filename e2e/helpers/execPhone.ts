/**
 * What the `countersign exec` specs share: the approving phone (the real app,
 * paired, with the registry account pasted in (or, for a passkey account,
 * added by name), notifications on and a CI
 * link), the environment of a GitHub Actions job, and the CLI run as that
 * job runs it.
 */
import type { CDPSession, Page } from "@playwright/test";
import { expect, pairPage, waitForServiceWorker } from "../fixtures.js";
import type { PushService } from "../harness/push-service.js";
import {
  addAccountByUri,
  addPasskeyAccount,
  createLink,
  enableNotifications,
  openAccount,
  type TestAccount,
} from "../tests/app/support/app.js";
import { type CommandResult, runCommand } from "./npmPackage.js";
import { CLI_ENTRY } from "./paths.js";
import type { ServerHandle } from "./server.js";

/** What a GitHub Actions job has in its environment (no OIDC: the job lacks id-token: write). */
export const GITHUB_ENV = {
  CI: "true",
  GITHUB_ACTIONS: "true",
  GITHUB_REPOSITORY: "owner/repo",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_RUN_ID: "4242",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
  GITHUB_REF: "refs/heads/main",
  GITHUB_WORKFLOW: "release",
  GITHUB_ACTOR: "alice",
  GITHUB_EVENT_NAME: "push",
  ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
};

/**
 * Pairs the app, adds the account (a TOTP account by its URI; an account
 * whose 2FA is a passkey, given by its names only, through "No code"), turns
 * notifications on and creates a CI link; leaves the app on Settings.
 */
export async function setUpPhone(
  page: Page,
  server: ServerHandle,
  account: TestAccount | { issuer: string; label: string },
): Promise<{ url: string; token: string }> {
  await page.goto("/");
  await waitForServiceWorker(page);
  await pairPage(page, server, "Alice's phone");
  if ("uri" in account) await addAccountByUri(page, account);
  else await addPasskeyAccount(page, account);
  await enableNotifications(page);
  await openAccount(page, account);
  const link = await createLink(page, "release workflow");
  await page.getByRole("button", { name: "Done" }).click();
  // With the app open, a request brings up its approval screen at once.
  await page.goto("/settings");
  return link;
}

/** How many approval requests the server pushed to the phone so far. */
export function approvalPushes(pushService: PushService): number {
  return pushService.messages.filter((message) => message.body.includes('"type":"approval"')).length;
}

/** Waits until the phone was asked `count` times in all and its approval screen is up; returns the last request id. */
export async function nextApproval(
  page: Page,
  pushService: PushService,
  count: number,
  timeout = 60_000,
): Promise<string> {
  await expect.poll(() => approvalPushes(pushService), { timeout }).toBe(count);
  await expect(page).toHaveURL(/\/approve\/[^/]+$/);
  return new URL(page.url()).pathname.split("/").pop() as string;
}

/** `countersign exec [cliArgs] -- <command…>` in `cwd`, as a GitHub Actions job with the link in COUNTERSIGN_URL. */
export function runExec(
  linkUrl: string,
  cwd: string,
  command: string[],
  options: { cliArgs?: string[]; env?: Record<string, string | undefined> } = {},
): Promise<CommandResult> {
  return runCommand(process.execPath, [CLI_ENTRY, "exec", ...(options.cliArgs ?? []), "--", ...command], {
    cwd,
    env: { ...GITHUB_ENV, ...options.env, COUNTERSIGN_URL: linkUrl },
  });
}

/** A credential of Chromium's virtual platform authenticator, private key included (CDP `WebAuthn.Credential`). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/** Chromium's virtual platform authenticator (CDP) in one tab: user verification on, presence simulated. */
export interface PlatformAuthenticator {
  cdp: CDPSession;
  id: string;
  /** Whether the next user verification succeeds (a face or fingerprint that does not match). */
  setUserVerified(verified: boolean): Promise<void>;
  credentials(): Promise<VirtualCredential[]>;
}

/**
 * Gives `page` the phone's platform authenticator (CDP virtual authenticator:
 * ctap2, internal, resident keys, user verification) holding `credentials`.
 * The virtual authenticator is set up per tab through its CDP session; a
 * phone's passkeys are the platform's, in every tab, so a tab the app opens
 * gets one holding the same credentials.
 */
export async function usePlatformAuthenticator(
  page: Page,
  credentials: VirtualCredential[] = [],
): Promise<PlatformAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  for (const credential of credentials) {
    await cdp.send("WebAuthn.addCredential", { authenticatorId, credential });
  }
  return {
    cdp,
    id: authenticatorId,
    setUserVerified: async (isUserVerified) => {
      await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified });
    },
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
  };
}
