import type { DeviceView, PasskeyAssertion, PasskeyPurpose, PasskeyRegistration } from "@countersign/shared";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import type { Deps } from "../deps.js";
import { toDeviceView } from "../domain/devices.js";
import { recordSecurityEvent } from "../domain/securityEvents.js";
import { AppError } from "../errors.js";
import type { DeviceRecord, PasskeyRecord } from "../store/Store.js";
import { consumeChallenge, PASSKEY_CHALLENGE_TTL_MS, saveChallenge } from "./passkeyChallenges.js";
import { relyingParty } from "./relyingParty.js";
import { verifyPasskeyAssertion } from "./verifyPasskeyAssertion.js";

type PasskeyDeps = Pick<Deps, "store" | "clock" | "config" | "log" | "random" | "push">;

const alreadySet = () =>
  new AppError(
    "conflict",
    "This device already requires a passkey. Turn that off first (it needs the passkey), then set up a new one.",
  );

/**
 * Starts registering a passkey for the calling device: WebAuthn creation
 * options for a platform authenticator with user verification required. The
 * challenge is kept server-side for 5 minutes and works once.
 */
export async function startPasskeyRegistration(
  deps: PasskeyDeps,
  device: DeviceRecord,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  if (device.passkey) throw alreadySet();
  const rp = relyingParty(deps.config);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: device.name,
    userDisplayName: device.name,
    userID: new TextEncoder().encode(device.id),
    attestationType: "none",
    authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    preferredAuthenticatorType: "localDevice",
  });
  await saveChallenge(
    deps.store,
    device.id,
    "register",
    options.challenge,
    deps.clock.now() + PASSKEY_CHALLENGE_TTL_MS,
  );
  return options;
}

/**
 * Verifies the authenticator's answer to {@link startPasskeyRegistration}
 * (challenge, origin, RP ID, user verification) and stores the credential on
 * the device: from then on its approvals need an assertion.
 */
export async function finishPasskeyRegistration(
  deps: PasskeyDeps,
  device: DeviceRecord,
  registration: PasskeyRegistration,
): Promise<DeviceView> {
  if (device.passkey) throw alreadySet();
  const rp = relyingParty(deps.config);
  const now = deps.clock.now();
  let passkey: PasskeyRecord;
  try {
    const result = await verifyRegistrationResponse({
      response: registration,
      expectedChallenge: (challenge) => consumeChallenge(deps.store, device.id, "register", challenge, now),
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
    if (!result.verified) throw new Error("not verified");
    const { credential, userVerified } = result.registrationInfo;
    if (!userVerified) throw new Error("user verification required");
    passkey = {
      credentialId: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: registration.response.transports ?? [],
      createdAt: now,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    deps.log.info("passkey registration refused", { deviceId: device.id, reason: reason.slice(0, 200) });
    throw new AppError(
      "bad_request",
      /user verification/i.test(reason)
        ? "The passkey was created without verifying you (fingerprint, face or PIN). Nothing was saved."
        : /challenge/i.test(reason)
          ? "This passkey setup expired or was already used. Start again."
          : "The passkey could not be verified. Nothing was saved; start again.",
    );
  }
  await deps.store.updateDevice(device.id, { passkey });
  deps.log.info("passkey registered", { deviceId: device.id });
  await recordSecurityEvent(deps, {
    kind: "passkey_added",
    message: `“${device.name}” now needs its passkey to approve.`,
    device: { id: device.id, name: device.name },
  });
  return toDeviceView({ ...device, passkey }, device.id);
}

/**
 * A server-issued challenge to prove the passkey (5 minutes, single use):
 * before turning it off (`remove`, the default), or before an action that
 * could move seeds off the phone or lock out another (`invite`, `transfer`,
 * `recovery_code`, `remove_device`; see requireActionPasskey). The assertion is accepted only for that purpose.
 */
export async function startPasskeyRemoval(
  deps: PasskeyDeps,
  device: DeviceRecord,
  purpose: PasskeyPurpose = "remove",
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const passkey = device.passkey;
  if (!passkey) throw new AppError("not_found", "This device has no passkey.");
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(deps.config).id,
    allowCredentials: [{ id: passkey.credentialId, transports: passkey.transports as never }],
    userVerification: "required",
  });
  await saveChallenge(deps.store, device.id, purpose, options.challenge, deps.clock.now() + PASSKEY_CHALLENGE_TTL_MS);
  return options;
}

/** Turns the requirement off: needs a fresh assertion over the challenge of {@link startPasskeyRemoval}. */
export async function removePasskey(
  deps: PasskeyDeps,
  device: DeviceRecord,
  assertion: PasskeyAssertion,
): Promise<DeviceView> {
  const now = deps.clock.now();
  await verifyPasskeyAssertion(
    deps,
    device,
    assertion,
    (challenge) => consumeChallenge(deps.store, device.id, "remove", challenge, now),
    now + PASSKEY_CHALLENGE_TTL_MS,
  );
  await deps.store.updateDevice(device.id, { passkey: null });
  deps.log.info("passkey removed", { deviceId: device.id });
  // The other devices hear of it: an approval guard was just lowered.
  const others = (await deps.store.listDevices()).filter((d) => d.id !== device.id).map((d) => d.id);
  await recordSecurityEvent(
    deps,
    {
      kind: "passkey_removed",
      message: `“${device.name}” no longer needs a passkey to approve.`,
      device: { id: device.id, name: device.name },
    },
    { deviceIds: others, title: "Passkey turned off" },
  );
  return toDeviceView({ ...device, passkey: null }, device.id);
}
