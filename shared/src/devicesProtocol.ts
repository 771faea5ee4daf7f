import { z } from "zod";
import { type AccountView, type DeviceView, P256PublicJwk, PasskeyAssertion } from "./protocol.js";

/**
 * Moving to a new phone (docs/api.md, "Devices: transfer and recovery"):
 * invite with end-to-end encrypted seed transfer, the recovery code, and the
 * security events devices are told about.
 */
export const DEVICE_ROUTES = {
  recover: "POST /api/v1/recovery",
  rotateRecoveryCode: "POST /api/v1/recovery/code",
  openTransfer: "POST /api/v1/transfers",
  transfer: "GET /api/v1/transfers/:transferId",
  sealTransfer: "PUT /api/v1/transfers/:transferId/sealed",
  pickUpTransfer: "POST /api/v1/transfers/:transferId/pickup",
  securityEvents: "GET /api/v1/security-events",
  invites: "GET /api/v1/invites",
  revokeInvite: "DELETE /api/v1/invites/:inviteId",
} as const;

/**
 * An invite not used yet, as the devices list it: never its code (that is
 * only shown once, to the device creating it), only who made it and when.
 */
export interface OpenInviteView {
  /** Names the invite to revoke it; derived from the code's hash, so it does not reveal the code. */
  id: string;
  /** The device that created it; the invite ends when that device is removed. */
  createdBy: { id: string; name: string };
  createdAt: number;
  expiresAt: number;
}

/** A transfer id: base64url SHA-256 of the secret in the invite link's fragment (the server never sees the secret). */
export const TRANSFER_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Largest sealed transfer accepted (characters of base64url ciphertext). */
export const MAX_TRANSFER_CIPHERTEXT = 48_000;

/** What the first device answers when it pairs with the setup code: the device, and its recovery code, shown once. */
export type PairResult = DeviceView & { recoveryCode?: string };

/** `POST /api/v1/recovery`: pair a new device with the recovery code. Signed by the key it registers. */
export const RecoverBody = z.strictObject({
  recoveryCode: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1).max(60),
  publicKey: P256PublicJwk,
});
export type RecoverBody = z.infer<typeof RecoverBody>;

export interface RecoverResult {
  device: DeviceView;
  /** The accounts the new device now holds (it still needs each seed, from the registry or a backup). */
  accounts: AccountView[];
  /** The recovery code replacing the one just used: shown once. */
  recoveryCode: string;
}

export interface RecoveryCodeView {
  recoveryCode: string;
  createdAt: number;
}

/** `POST /api/v1/transfers`: the new device opens a transfer and says which key to encrypt to. */
export const OpenTransferBody = z.strictObject({
  transferId: z.string().regex(TRANSFER_ID_PATTERN, "transferId must be 32 bytes base64url"),
  /** An ephemeral ECDH P-256 public key of the receiving device. */
  publicKey: P256PublicJwk,
});
export type OpenTransferBody = z.infer<typeof OpenTransferBody>;

/** The seeds, encrypted by the sending device (ECDH P-256 → HKDF-SHA-256 → AES-256-GCM). */
export const SealedTransfer = z.strictObject({
  /** The sender's ephemeral ECDH public key. */
  publicKey: P256PublicJwk,
  iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/, "iv must be 12 bytes base64url"),
  ciphertext: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "ciphertext must be base64url")
    .max(MAX_TRANSFER_CIPHERTEXT),
});
export type SealedTransfer = z.infer<typeof SealedTransfer>;

/**
 * `PUT /api/v1/transfers/:id/sealed`: the sealed seeds, and, from a device
 * with a passkey, an assertion over a challenge of purpose `transfer`.
 */
export const SealTransferBody = SealedTransfer.extend({ assertion: PasskeyAssertion.optional() });
export type SealTransferBody = z.infer<typeof SealTransferBody>;

/** A transfer as its sender sees it. */
export interface TransferView {
  transferId: string;
  /** The device receiving the seeds. */
  to: { id: string; name: string };
  /** Its ephemeral key to encrypt to. */
  publicKey: P256PublicJwk;
  sealed: boolean;
  expiresAt: number;
}

/** `POST /api/v1/transfers/:id/pickup`: what the receiving device gets; the server then deletes the transfer. */
export type TransferPickup =
  | { status: "waiting"; expiresAt: number }
  | { status: "ready"; sealed: SealedTransfer; from: { id: string; name: string } };

export type SecurityEventKind =
  | "invite_revoked"
  | "device_paired"
  | "device_removed"
  | "recovery_used"
  | "recovery_code_rotated"
  | "passkey_added"
  | "passkey_removed"
  /** Wrong recovery codes were tried (the 1st, 10th, 100th… against the current code). */
  | "recovery_failed";

/** Something that changed who can answer for the accounts. */
export interface SecurityEvent {
  id: string;
  at: number;
  kind: SecurityEventKind;
  message: string;
  deviceId: string | null;
  deviceName: string | null;
}
