import { encodeBase64url, type PasskeyAssertion } from "@countersign/shared";
import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import type { DeviceRecord } from "../store/Store.js";
import { relyingParty } from "./relyingParty.js";

/** Turns the library's reasons into messages for the person holding the phone. */
function refusal(reason: string): AppError {
  if (/user verification/i.test(reason)) {
    return new AppError(
      "unauthorized",
      "The passkey did not verify you (fingerprint, face or device PIN). Nothing was changed; try again.",
    );
  }
  if (/challenge/i.test(reason)) {
    return new AppError(
      "unauthorized",
      "This passkey assertion was made for another request, another answer or an old challenge. Nothing was changed.",
    );
  }
  if (/counter/i.test(reason)) {
    return new AppError(
      "unauthorized",
      "This passkey assertion is older than one already accepted (replayed, or a cloned passkey). Nothing was changed.",
    );
  }
  if (/origin|rp ?id/i.test(reason)) {
    return new AppError("unauthorized", "This passkey assertion was made for another site. Nothing was changed.");
  }
  return new AppError("unauthorized", "The passkey assertion did not verify. Nothing was changed.");
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return encodeBase64url(new Uint8Array(digest));
}

/**
 * Checks a WebAuthn assertion against the device's registered passkey:
 * signature, origin and RP ID, the expected challenge, user verification
 * (required), and a signature counter that only moves forward. Each assertion
 * is accepted once (its signature is remembered until `usableUntil`). On
 * success the new counter is stored; on failure it throws `unauthorized` and
 * changes nothing.
 *
 * @param expectedChallenge - The challenge the assertion must carry, or a check that consumes a server-issued one.
 * @param usableUntil - Until when the assertion could still be presented (ms); its one-time record is kept that long.
 */
export async function verifyPasskeyAssertion(
  deps: Pick<Deps, "store" | "clock" | "config">,
  device: DeviceRecord,
  assertion: PasskeyAssertion,
  expectedChallenge: string | ((challenge: string) => Promise<boolean>),
  usableUntil: number,
): Promise<void> {
  const passkey = device.passkey;
  if (!passkey) throw new AppError("not_found", "This device has no passkey.");
  if (assertion.rawId !== passkey.credentialId || assertion.id !== passkey.credentialId) {
    throw new AppError("unauthorized", "This is not the passkey registered for this device. Nothing was changed.");
  }
  const rp = relyingParty(deps.config);
  let newCounter: number;
  try {
    const result = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.credentialId,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: passkey.counter,
      },
      requireUserVerification: true,
    });
    if (!result.verified || !result.authenticationInfo.userVerified) throw new Error("user verification failed");
    newCounter = result.authenticationInfo.newCounter;
  } catch (error) {
    throw refusal(error instanceof Error ? error.message : String(error));
  }
  const fresh = await deps.store.rememberNonce(
    `passkey:${device.id}:${await sha256(assertion.response.signature)}`,
    Math.max(usableUntil, deps.clock.now()) + 60_000,
  );
  if (!fresh) throw new AppError("unauthorized", "This passkey assertion was already used. Nothing was changed.");
  if (newCounter > passkey.counter) {
    await deps.store.updateDevice(device.id, { passkey: { ...passkey, counter: newCounter } });
  }
}
