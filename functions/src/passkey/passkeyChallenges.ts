import { PasskeyPurpose } from "@countersign/shared";
import type { Store } from "../store/Store.js";

/**
 * What a server-issued challenge is for: registering, or one of the actions
 * that need the passkey (PasskeyPurpose). Each device has at most one
 * outstanding per purpose, and an assertion over it opens only that action.
 */
export type ChallengePurpose = "register" | PasskeyPurpose;

/** How long a server-issued challenge can be answered. */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60 * 1000;

const settingKey = (deviceId: string, purpose: ChallengePurpose) => `passkeyChallenge:${purpose}:${deviceId}`;

/** Remembers the challenge just handed to a device (replacing an earlier one for the same purpose). */
export async function saveChallenge(
  store: Pick<Store, "setSetting">,
  deviceId: string,
  purpose: ChallengePurpose,
  challenge: string,
  expiresAt: number,
): Promise<void> {
  await store.setSetting(settingKey(deviceId, purpose), JSON.stringify({ challenge, expiresAt }));
}

/**
 * Uses up a challenge: true for the one caller presenting the outstanding,
 * unexpired challenge of this device and purpose (the store's `claimSetting`
 * makes it single use even under concurrent calls), false otherwise.
 */
export async function consumeChallenge(
  store: Pick<Store, "getSetting" | "claimSetting">,
  deviceId: string,
  purpose: ChallengePurpose,
  challenge: string,
  now: number,
): Promise<boolean> {
  const key = settingKey(deviceId, purpose);
  const saved = await store.getSetting(key);
  if (!saved) return false;
  const { challenge: expected, expiresAt } = JSON.parse(saved) as { challenge: string; expiresAt: number };
  if (expected !== challenge || now >= expiresAt) return false;
  return store.claimSetting(key, saved);
}

/** Drops every outstanding challenge of a device (it was removed: nothing it started stays open). */
export async function dropChallenges(
  store: Pick<Store, "getSetting" | "claimSetting">,
  deviceId: string,
): Promise<void> {
  for (const purpose of ["register", ...PasskeyPurpose.options] as ChallengePurpose[]) {
    const key = settingKey(deviceId, purpose);
    const saved = await store.getSetting(key);
    if (saved) await store.claimSetting(key, saved);
  }
}
