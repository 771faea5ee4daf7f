import type { RecoveryCodeView } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { hashSecret, newHumanCode, normalizeHumanCode } from "../secrets.js";

/*
 * The recovery code as the server keeps it: only its hash, under one setting.
 * Apart from recovery.ts because pairing the first device issues it too, and
 * recovery.ts pairs devices (devices.ts); each importing the other was a loop.
 */

/** The setting that holds the current code's {@link StoredRecoveryCode}. */
export const RECOVERY_SETTING = "recoveryCodeHash";

/** Six groups of four from a 32-letter alphabet: 120 bits, so one SHA-256 is a safe hash to keep. */
const RECOVERY_GROUPS = 6;

export interface StoredRecoveryCode {
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
