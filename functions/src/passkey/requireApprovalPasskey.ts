import { type AnswerBody, approvalChallenge } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import type { DeviceRecord, RequestRecord } from "../store/Store.js";
import { verifyPasskeyAssertion } from "./verifyPasskeyAssertion.js";

/**
 * For a device with a passkey, an approval must carry an assertion whose
 * challenge is `approvalChallenge(request id, this answer)`: bound to this
 * request and these codes (or this JWE), with user verification, used once.
 * Devices without a passkey, and denials, pass unchecked (denying is always
 * safe). So does opening the registry's passkey page (`opened`): no code or
 * other secret leaves the phone, and the registry's own page asks for the
 * registry's passkey before anything is published, so a second prompt here
 * would guard nothing. Throws `passkey_required` or `unauthorized`, before
 * anything changes.
 */
export async function requireApprovalPasskey(
  deps: Pick<Deps, "store" | "clock" | "config">,
  device: DeviceRecord,
  request: RequestRecord,
  body: AnswerBody,
): Promise<void> {
  if (body.decision !== "approve" || "opened" in body || !device.passkey) return;
  if (!body.assertion) {
    throw new AppError(
      "passkey_required",
      "This device requires its passkey to approve: open the request in the app and approve with your fingerprint, face or PIN.",
      { requestId: request.id },
    );
  }
  const challenge = await approvalChallenge(request.id, "jwe" in body ? { jwe: body.jwe } : { codes: body.codes });
  await verifyPasskeyAssertion(deps, device, body.assertion, challenge, request.expiresAt);
}
