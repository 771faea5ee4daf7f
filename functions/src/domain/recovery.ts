import type { RecoverBody, RecoverResult, RecoveryCodeView } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { hashSecret, newHumanCode, normalizeHumanCode } from "../secrets.js";
import type { DeviceRecord } from "../store/Store.js";
import { toAccountView } from "./accounts.js";
import { type SignedCall, verifySignedCall } from "./authenticateDevice.js";
import { createDeviceRecord, toDeviceView } from "./devices.js";
import { recordSecurityEvent } from "./securityEvents.js";

const RECOVERY_SETTING = "recoveryCodeHash";
/** Recovery attempts (right or wrong) allowed per window, server-wide; then every attempt is refused until it ends. */
export const MAX_RECOVERY_ATTEMPTS = 5;
export const RECOVERY_WINDOW_MS = 15 * 60 * 1000;

/** Six groups of four from a 32-letter alphabet: 120 bits, so one SHA-256 is a safe hash to keep. */
const RECOVERY_GROUPS = 6;

interface StoredRecoveryCode {
  hash: string;
  createdAt: number;
}

/** Creates a new recovery code (the old one stops working); the server keeps only its hash. */
export async function issueRecoveryCode(deps: Pick<Deps, "store" | "clock" | "random">): Promise<RecoveryCodeView> {
  const recoveryCode = newHumanCode(deps.random, RECOVERY_GROUPS);
  const createdAt = deps.clock.now();
  const stored: StoredRecoveryCode = { hash: hashSecret(normalizeHumanCode(recoveryCode)), createdAt };
  await deps.store.setSetting(RECOVERY_SETTING, JSON.stringify(stored));
  return { recoveryCode, createdAt };
}

/** A paired device replaces the recovery code, e.g. after it was shown to someone. */
export async function rotateRecoveryCode(deps: Deps, device: DeviceRecord): Promise<RecoveryCodeView> {
  const view = await issueRecoveryCode(deps);
  await recordSecurityEvent(deps, {
    kind: "recovery_code_rotated",
    message: `A new recovery code was created on ${device.name}; the old one no longer works.`,
    device: { id: device.id, name: device.name },
  });
  return view;
}

/**
 * Takes one of the {@link MAX_RECOVERY_ATTEMPTS} attempt slots of the current
 * window. Slots are single-use nonces, so concurrent attempts cannot share one
 * and the limit holds under any parallelism.
 */
async function takeAttemptSlot(
  deps: Pick<Deps, "store" | "clock">,
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  const now = deps.clock.now();
  const window = Math.floor(now / RECOVERY_WINDOW_MS);
  const windowEnd = (window + 1) * RECOVERY_WINDOW_MS;
  for (let slot = 0; slot < MAX_RECOVERY_ATTEMPTS; slot++) {
    if (await deps.store.rememberNonce(`recovery-attempt:${window}:${slot}`, windowEnd)) return { ok: true };
  }
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
}

/**
 * Pairs a new device with the recovery code when the old phones are gone. The
 * new device joins every account (so CI links keep working once it has the
 * seeds again), the code is replaced by a new one returned once, the event is
 * filed and pushed to the other devices. Attempts are limited server-wide to
 * {@link MAX_RECOVERY_ATTEMPTS} per {@link RECOVERY_WINDOW_MS} window; beyond,
 * `rate_limited` with the seconds until the window ends.
 */
export async function recoverDevice(deps: Deps, call: SignedCall, body: RecoverBody): Promise<RecoverResult> {
  await verifySignedCall(deps, call, body.publicKey, `recover:${body.publicKey.x}`);
  const slot = await takeAttemptSlot(deps);
  if (!slot.ok) {
    throw new AppError("rate_limited", "Too many recovery attempts. Try again later.", {
      retryAfterSeconds: slot.retryAfterSeconds,
    });
  }
  const raw = await deps.store.getSetting(RECOVERY_SETTING);
  const stored = raw ? (JSON.parse(raw) as StoredRecoveryCode) : null;
  const matches = stored !== null && stored.hash === hashSecret(normalizeHumanCode(body.recoveryCode));
  // Claiming the stored value makes the code single use even against concurrent attempts.
  if (!matches || !raw || !(await deps.store.claimSetting(RECOVERY_SETTING, raw))) {
    deps.log.warn("recovery refused: wrong or used code");
    throw new AppError("unauthorized", "The recovery code is wrong or was already used.");
  }
  const device = await createDeviceRecord(deps, body);
  const accounts = [];
  for (const account of await deps.store.listAccounts()) {
    const deviceIds = [...account.deviceIds, device.id];
    await deps.store.updateAccount(account.id, { deviceIds });
    accounts.push(toAccountView({ ...account, deviceIds }));
  }
  const { recoveryCode } = await issueRecoveryCode(deps);
  const others = (await deps.store.listDevices()).filter((d) => d.id !== device.id).map((d) => d.id);
  await recordSecurityEvent(
    deps,
    {
      kind: "recovery_used",
      message: `The recovery code paired “${device.name}”, which now holds every account. If this was not you, remove it in Settings.`,
      device: { id: device.id, name: device.name },
    },
    { deviceIds: others, title: "Recovery code used" },
  );
  return { device: toDeviceView(device, device.id), accounts, recoveryCode };
}
