import { encodeBase64url } from "./base64url.js";

/** Domain separation for the WebAuthn challenge of an approval (version it if the form changes). */
export const APPROVAL_CHALLENGE_CONTEXT = "countersign-approval-v1";

/** The part of an approval a passkey assertion vouches for: the codes in clear, or their JWE. */
export type ApprovalAnswerContent =
  | { codes: readonly { otp: string; notBefore: number; notAfter: number }[] }
  | { jwe: string };

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text) as BufferSource);
  return encodeBase64url(new Uint8Array(digest));
}

/**
 * The WebAuthn challenge a device signs with its passkey to approve a request:
 * base64url(SHA-256(context ‖ requestId ‖ "approve" ‖ SHA-256(answer))), lines
 * joined by "\n". The answer is the codes (`otp,notBefore,notAfter` joined by
 * ";", in order) or the JWE string, so an assertion is good for exactly one
 * request and one answer: it cannot be moved to another request, nor carry
 * other codes. Device and server compute it the same way.
 */
export async function approvalChallenge(requestId: string, answer: ApprovalAnswerContent): Promise<string> {
  const content =
    "codes" in answer
      ? `codes:${answer.codes.map((code) => `${code.otp},${code.notBefore},${code.notAfter}`).join(";")}`
      : `jwe:${answer.jwe}`;
  return sha256([APPROVAL_CHALLENGE_CONTEXT, requestId, "approve", await sha256(content)].join("\n"));
}
