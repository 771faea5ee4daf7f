import type { RecoverBody, RecoverResult, RecoveryCodeView } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { constantTimeEqual, hashSecret, normalizeHumanCode } from "../secrets.js";
import type { DeviceRecord } from "../store/Store.js";
import { toAccountView } from "./accounts.js";
import { type SignedCall, verifySignedCall } from "./authenticateDevice.js";
import { createDeviceRecord, toDeviceView } from "./devices.js";
import { issueRecoveryCode, RECOVERY_SETTING, type StoredRecoveryCode } from "./recoveryCode.js";
import { recordSecurityEvent } from "./securityEvents.js";

/** Wrong attempts against the current code: `{hash, count}` (the hash names the code they were made against). */
const FAILURES_SETTING = "recoveryFailures";
/**
 * Recovery attempts (right or wrong) allowed per window from one client
 * address, and with one device key; beyond, that address or key is refused
 * until the window ends. There is no server-wide budget: a stranger's
 * attempts use up only their own, never the owner's.
 */
export const MAX_RECOVERY_ATTEMPTS = 5;
export const RECOVERY_WINDOW_MS = 15 * 60 * 1000;

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
 * Takes one of the {@link MAX_RECOVERY_ATTEMPTS} attempt slots of `scope`
 * (an address or a key) in the current window. Slots are single-use nonces,
 * so concurrent attempts cannot share one and the limit holds under any
 * parallelism, across instances too.
 */
async function takeAttemptSlot(
  deps: Pick<Deps, "store" | "clock">,
  scope: string,
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  const now = deps.clock.now();
  const window = Math.floor(now / RECOVERY_WINDOW_MS);
  const windowEnd = (window + 1) * RECOVERY_WINDOW_MS;
  for (let slot = 0; slot < MAX_RECOVERY_ATTEMPTS; slot++) {
    if (await deps.store.rememberNonce(`recovery-attempt:${scope}:${window}:${slot}`, windowEnd)) return { ok: true };
  }
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
}

/**
 * Counts a wrong attempt against the current code and tells the devices at
 * the 1st, 10th, 100th… The code itself needs no lock-out: at 120 bits, no
 * number of attempts the per-address limits let through comes close to it,
 * and locking it would let anyone lock the owner out.
 */
async function countFailure(deps: Deps, storedHash: string | null, ip: string) {
  if (!storedHash) return;
  const raw = await deps.store.getSetting(FAILURES_SETTING);
  const previous = raw ? (JSON.parse(raw) as { hash: string; count: number }) : null;
  const count = previous?.hash === storedHash ? previous.count + 1 : 1;
  await deps.store.setSetting(FAILURES_SETTING, JSON.stringify({ hash: storedHash, count }));
  if (Number.isInteger(Math.log10(count))) {
    await recordSecurityEvent(
      deps,
      {
        kind: "recovery_failed",
        message: `A wrong recovery code was tried (${count} so far against the current code; the last from ${ip}).`,
        device: null,
      },
      { deviceIds: (await deps.store.listDevices()).map((d) => d.id), title: "Wrong recovery code tried" },
    );
  }
}

/**
 * Pairs a new device with the recovery code when the old phones are gone. The
 * new device joins every account (so CI links keep working once it has the
 * seeds again), the code is replaced by a new one returned once, the event is
 * filed and pushed to the other devices. Attempts are limited to
 * {@link MAX_RECOVERY_ATTEMPTS} per {@link RECOVERY_WINDOW_MS} window per
 * client address and per device key; beyond, `rate_limited` with the seconds
 * until the window ends. Wrong codes are counted per code and reported to the
 * devices (countFailure).
 */
export async function recoverDevice(
  deps: Deps,
  call: SignedCall,
  body: RecoverBody,
  ip: string,
): Promise<RecoverResult> {
  await verifySignedCall(deps, call, body.publicKey, `recover:${body.publicKey.x}`);
  for (const scope of [`ip:${ip}`, `key:${body.publicKey.x}`]) {
    const slot = await takeAttemptSlot(deps, scope);
    if (!slot.ok) {
      throw new AppError("rate_limited", "Too many recovery attempts from here. Try again later.", {
        retryAfterSeconds: slot.retryAfterSeconds,
      });
    }
  }
  const raw = await deps.store.getSetting(RECOVERY_SETTING);
  const stored = raw ? (JSON.parse(raw) as StoredRecoveryCode) : null;
  const matches = stored !== null && constantTimeEqual(stored.hash, hashSecret(normalizeHumanCode(body.recoveryCode)));
  // Claiming the stored value makes the code single use even against concurrent attempts.
  if (!matches || !raw || !(await deps.store.claimSetting(RECOVERY_SETTING, raw))) {
    deps.log.warn("recovery refused: wrong or used code");
    if (!matches) await countFailure(deps, stored?.hash ?? null, ip);
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
