import type { CreatedLink, LinkPolicy, LinkView, PasskeyAssertion } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { requireActionPasskey } from "../passkey/requireActionPasskey.js";
import { constantTimeEqual, hashSecret, newId, newLinkToken } from "../secrets.js";
import type { DeviceRecord, LinkRecord } from "../store/Store.js";
import { heldAccount } from "./accounts.js";
import { cancelPendingRequests } from "./cancelPendingRequests.js";

export function toLinkView(link: LinkRecord): LinkView {
  return {
    id: link.id,
    accountId: link.accountId,
    name: link.name,
    createdAt: link.createdAt,
    lastUsedAt: link.lastUsedAt,
    paused: link.paused,
    revokedAt: link.revokedAt,
    tokenHint: link.tokenHint,
    policy: link.policy,
  };
}

/** Refuses a policy whose issuer this server does not trust: no request could ever pass it. */
function checkPolicyIssuer(deps: Pick<Deps, "config">, policy: LinkPolicy | null | undefined) {
  if (!policy) return;
  if (!deps.config.oidcIssuers.some((trusted) => trusted.issuer === policy.issuer)) {
    const trusted = deps.config.oidcIssuers.map((entry) => entry.issuer).join(", ") || "none";
    throw new AppError(
      "bad_request",
      `This server does not trust the issuer ${policy.issuer} (trusted: ${trusted}). Its operator can add it with COUNTERSIGN_OIDC_ISSUERS.`,
    );
  }
}

/** The link URL CI calls: `<origin>/api/v1/otp/<token>`. */
export function linkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/api/v1/otp/${token}`;
}

/**
 * Creates a CI link for an account the device holds (with its passkey when
 * the device requires one). The token is returned here once and only its hash
 * is kept. With a `policy`, the link answers only CI runs whose OIDC
 * token satisfies it.
 */
export async function createLink(
  deps: Deps,
  device: DeviceRecord,
  accountId: string,
  name: string,
  policy: LinkPolicy | null = null,
  assertion?: PasskeyAssertion,
): Promise<CreatedLink> {
  await heldAccount(deps, device, accountId);
  checkPolicyIssuer(deps, policy);
  // A new token is a new way to cause prompts: with the passkey required, it needs the passkey.
  await requireActionPasskey(deps, device, "create_link", assertion);
  const token = newLinkToken(deps.random);
  const link: LinkRecord = {
    id: newId(deps.random),
    accountId,
    name,
    tokenHash: hashSecret(token),
    tokenHint: `${token.slice(0, 7)}…`,
    createdAt: deps.clock.now(),
    lastUsedAt: null,
    paused: false,
    revokedAt: null,
    policy,
  };
  await deps.store.createLink(link);
  return { link: toLinkView(link), token, url: linkUrl(deps.config.publicUrl, token) };
}

export async function listLinks(
  deps: Pick<Deps, "store">,
  device: DeviceRecord,
  accountId: string,
): Promise<LinkView[]> {
  await heldAccount(deps, device, accountId);
  return (await deps.store.listLinks(accountId)).map(toLinkView);
}

/** The link, when `device` holds its account. */
async function heldLink(deps: Pick<Deps, "store">, device: DeviceRecord, linkId: string): Promise<LinkRecord> {
  const link = await deps.store.getLink(linkId);
  if (!link) throw new AppError("not_found", "No such link.");
  await heldAccount(deps, device, link.accountId);
  return link;
}

/**
 * Renames, pauses or resumes a link, or sets or removes (`policy: null`) its
 * policy. A revoked link stays revoked. Pausing cancels the link's pending
 * requests (cancelPendingRequests): a paused link answers nobody.
 */
export async function updateLink(
  deps: Pick<Deps, "store" | "config" | "clock" | "push" | "log">,
  device: DeviceRecord,
  linkId: string,
  patch: {
    name?: string | undefined;
    paused?: boolean | undefined;
    policy?: LinkPolicy | null | undefined;
    assertion?: PasskeyAssertion | undefined;
  },
): Promise<LinkView> {
  const link = await heldLink(deps, device, linkId);
  if (link.revokedAt !== null && patch.paused === false)
    throw new AppError("conflict", "A revoked link cannot be resumed.");
  checkPolicyIssuer(deps, patch.policy);
  if (widensLink(link, patch)) await requireActionPasskey(deps, device, "widen_link", patch.assertion);
  const updated = {
    ...link,
    name: patch.name ?? link.name,
    paused: patch.paused ?? link.paused,
    policy: patch.policy === undefined ? link.policy : patch.policy,
  };
  await deps.store.updateLink(linkId, {
    name: updated.name,
    paused: updated.paused,
    ...(patch.policy !== undefined ? { policy: updated.policy } : {}),
  });
  if (updated.paused) await cancelPendingRequests(deps, { accountId: link.accountId, linkId }, LINK_PAUSED);
  return toLinkView(updated);
}

/**
 * Whether a change lets more callers cause prompts or collect codes through
 * the link: any change of its policy (removing it, or one whose conditions
 * are not simply stricter — not worth judging here) or resuming it. Renaming
 * and pausing only narrow.
 */
export function widensLink(
  link: LinkRecord,
  patch: { paused?: boolean | undefined; policy?: LinkPolicy | null | undefined },
): boolean {
  const policyChanges = patch.policy !== undefined && JSON.stringify(patch.policy) !== JSON.stringify(link.policy);
  return policyChanges || (patch.paused === false && link.paused);
}

export const LINK_PAUSED = "Cancelled: the link was paused.";
export const LINK_REVOKED = "Cancelled: the link was revoked.";

/**
 * Revokes a link for good: its token answers 401 from now on, and its
 * pending requests are cancelled (their waiting calls get 401 too).
 */
export async function revokeLink(
  deps: Pick<Deps, "store" | "clock" | "push" | "log">,
  device: DeviceRecord,
  linkId: string,
): Promise<LinkView> {
  const link = await heldLink(deps, device, linkId);
  const revokedAt = link.revokedAt ?? deps.clock.now();
  if (link.revokedAt === null) await deps.store.updateLink(linkId, { revokedAt });
  await cancelPendingRequests(deps, { accountId: link.accountId, linkId }, LINK_REVOKED);
  return toLinkView({ ...link, revokedAt });
}

/** The live link a CI token belongs to; `unauthorized` for unknown, malformed or revoked tokens. */
export async function findLinkByToken(deps: Pick<Deps, "store">, token: string): Promise<LinkRecord> {
  const hash = hashSecret(token);
  const link = await deps.store.findLinkByTokenHash(hash);
  if (!link || !constantTimeEqual(link.tokenHash, hash) || link.revokedAt !== null) {
    throw new AppError("unauthorized", "Unknown or revoked link. Create a new link in the Countersign app.");
  }
  return link;
}
