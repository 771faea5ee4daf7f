import {
  type ApprovalAnswerContent,
  approvalChallenge,
  type PasskeyAssertion,
  type PasskeyPurpose,
} from "@countersign/shared";
import {
  browserSupportsWebAuthn,
  platformAuthenticatorIsAvailable,
  startAuthentication,
  startRegistration,
} from "@simplewebauthn/browser";
import type { ApiClient } from "../api/client.js";

/** A passkey ceremony's failure, worded for the person holding the phone. */
export class PasskeyError extends Error {
  override name = "PasskeyError";
}

const NO_AUTHENTICATOR =
  "This device cannot use a passkey here: it has no platform authenticator with a screen lock (fingerprint, face or PIN). Set up a screen lock, or use a browser that supports passkeys.";

/** Maps WebAuthn errors (native, or wrapped by @simplewebauthn/browser) to what the user can do. */
export function describePasskeyError(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string } | undefined;
  if (e instanceof PasskeyError) return e.message;
  if (e?.name === "NotAllowedError" || e?.name === "AbortError") {
    return "The passkey was not used: the prompt was cancelled, timed out or could not verify you. Nothing was changed.";
  }
  if (
    e?.name === "NotSupportedError" ||
    e?.name === "ConstraintError" ||
    /not supported/i.test(e?.message ?? "") ||
    e?.code === "ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT"
  ) {
    return NO_AUTHENTICATOR;
  }
  if (e?.name === "InvalidStateError") return "This authenticator already holds a passkey for this device.";
  if (e?.name === "SecurityError" || e?.code === "ERROR_INVALID_DOMAIN" || e?.code === "ERROR_INVALID_RP_ID") {
    return "Passkeys work only when the app is opened at its https address (or localhost).";
  }
  return `The passkey did not work: ${e?.message ?? String(error)}`;
}

async function ensureAuthenticator(): Promise<void> {
  if (typeof PublicKeyCredential === "undefined" || !browserSupportsWebAuthn())
    throw new PasskeyError(NO_AUTHENTICATOR);
  if (!(await platformAuthenticatorIsAvailable())) throw new PasskeyError(NO_AUTHENTICATOR);
}

/** Whether the authenticator data of an assertion says the user was verified (flag UV, bit 2). */
export function userVerifiedIn(authenticatorData: string): boolean {
  const base64 = authenticatorData.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = atob(base64 + "===".slice((base64.length + 3) % 4));
  return bytes.length > 32 && (bytes.charCodeAt(32) & 0x04) !== 0;
}

/**
 * Registers a platform passkey for this device with the server (user
 * verification required). Throws PasskeyError with a message to show.
 */
export async function registerPasskey(api: ApiClient): Promise<{ credentialId: string; transports: string[] }> {
  await ensureAuthenticator();
  const options = await api.call<Parameters<typeof startRegistration>[0]["optionsJSON"]>(
    "POST",
    "/api/v1/devices/me/passkey/options",
  );
  if (!options.ok) throw new PasskeyError(options.message);
  let registration: Awaited<ReturnType<typeof startRegistration>>;
  try {
    registration = await startRegistration({ optionsJSON: options.data });
  } catch (error) {
    throw new PasskeyError(describePasskeyError(error));
  }
  const saved = await api.call("POST", "/api/v1/devices/me/passkey", registration);
  if (!saved.ok) throw new PasskeyError(saved.message);
  return { credentialId: registration.id, transports: registration.response.transports ?? [] };
}

/** Asks the authenticator to sign `challenge` with this device's passkey, user verification required. */
export async function assertPasskey(
  passkey: { credentialId: string; transports: string[] },
  challenge: string,
): Promise<PasskeyAssertion> {
  if (typeof PublicKeyCredential === "undefined") throw new PasskeyError(NO_AUTHENTICATOR);
  try {
    const response = await startAuthentication({
      optionsJSON: {
        challenge,
        rpId: location.hostname,
        allowCredentials: [{ id: passkey.credentialId, type: "public-key", transports: passkey.transports as never }],
        userVerification: "required",
        timeout: 120_000,
      },
    });
    return response as PasskeyAssertion;
  } catch (error) {
    throw new PasskeyError(describePasskeyError(error));
  }
}

/** The assertion for an approval: its challenge binds the request id and this exact answer. */
export async function assertApproval(
  passkey: { credentialId: string; transports: string[] },
  requestId: string,
  answer: ApprovalAnswerContent,
): Promise<PasskeyAssertion> {
  return assertPasskey(passkey, await approvalChallenge(requestId, answer));
}

/**
 * A fresh assertion over a server challenge of `purpose` (turning the
 * requirement off, or an action the server guards with the passkey), with the
 * credential the server names (so it works even if this app lost its own
 * record of the passkey).
 */
export async function provePasskey(api: ApiClient, purpose: PasskeyPurpose): Promise<PasskeyAssertion> {
  const challenge = await api.call<{ challenge: string; allowCredentials?: { id: string; transports?: string[] }[] }>(
    "POST",
    "/api/v1/devices/me/passkey/challenge",
    { purpose },
  );
  if (!challenge.ok) throw new PasskeyError(challenge.message);
  const credential = challenge.data.allowCredentials?.[0];
  if (!credential) throw new PasskeyError("The server named no passkey for this device.");
  return assertPasskey(
    { credentialId: credential.id, transports: credential.transports ?? [] },
    challenge.data.challenge,
  );
}

/** Turns the requirement off on the server: a fresh assertion over its challenge. */
export async function removePasskey(api: ApiClient): Promise<void> {
  const assertion = await provePasskey(api, "remove");
  const removed = await api.call("DELETE", "/api/v1/devices/me/passkey", { assertion });
  if (!removed.ok) throw new PasskeyError(removed.message);
}

/**
 * Proves the passkey locally (app lock, changing the lock): a random
 * challenge, and the authenticator must report the user verified.
 */
export async function verifyPasskeyLocally(passkey: { credentialId: string; transports: string[] }): Promise<void> {
  const random = crypto.getRandomValues(new Uint8Array(32));
  const challenge = btoa(String.fromCharCode(...random))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  const assertion = await assertPasskey(passkey, challenge);
  if (!userVerifiedIn(assertion.response.authenticatorData)) {
    throw new PasskeyError("The passkey did not verify you (fingerprint, face or device PIN). Try again.");
  }
}
