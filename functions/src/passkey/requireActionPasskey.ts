import type { PasskeyAssertion, PasskeyPurpose } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import type { DeviceRecord } from "../store/Store.js";
import { consumeChallenge, PASSKEY_CHALLENGE_TTL_MS } from "./passkeyChallenges.js";
import { verifyPasskeyAssertion } from "./verifyPasskeyAssertion.js";

/** The actions guarded besides turning the passkey off, and how the refusal names them. */
export type GuardedAction = Exclude<PasskeyPurpose, "remove">;

const WHAT: Record<GuardedAction, string> = {
  invite: "invite another device",
  transfer: "send accounts to another device",
  recovery_code: "create a new recovery code",
  remove_device: "remove another device",
  create_link: "create a CI link",
  widen_link: "remove or change a link's policy, or resume it",
  rename_account: "rename an account",
  delete_account: "remove an account",
};

/**
 * With "Require passkey to approve" on, the actions that could move seeds off
 * an unlocked phone (inviting a device, sending it the seeds, renewing the
 * recovery code), lock its owner's other phones out (removing another
 * device), or widen who can cause a prompt or collect a code (a new link and
 * its token; removing or changing a link's policy, resuming a paused link;
 * renaming or removing an account — the domain functions decide, see
 * links.ts and accounts.ts) need the passkey too: a fresh assertion, with user
 * verification, over a server challenge of this action's purpose
 * (`POST /devices/me/passkey/challenge` with `{purpose}`), used once.
 * Devices without a passkey pass unchecked. Throws `passkey_required` without
 * an assertion, `unauthorized` for a bad, replayed or unverified one — before
 * the action changes anything.
 */
export async function requireActionPasskey(
  deps: Pick<Deps, "store" | "clock" | "config">,
  device: DeviceRecord,
  action: GuardedAction,
  assertion: PasskeyAssertion | undefined,
): Promise<void> {
  if (!device.passkey) return;
  if (!assertion) {
    throw new AppError(
      "passkey_required",
      `This device requires its passkey to ${WHAT[action]}: confirm with your fingerprint, face or PIN. Nothing was changed.`,
    );
  }
  const now = deps.clock.now();
  await verifyPasskeyAssertion(
    deps,
    device,
    assertion,
    (challenge) => consumeChallenge(deps.store, device.id, action, challenge, now),
    now + PASSKEY_CHALLENGE_TTL_MS,
  );
}
