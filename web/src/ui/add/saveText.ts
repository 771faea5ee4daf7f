import { parseOtpauthMigrationUri, parseOtpauthUri } from "@countersign/shared";
import type { Services } from "../../services.js";
import { importAccounts } from "../../vault/portable.js";
import { type AccountInfo, displayName } from "../../vault/vault.js";
import { registerImported } from "../transfer/registerImported.js";
import { saveAccount } from "./saveAccount.js";

export type SaveTextResult = { ok: true; added: AccountInfo[]; message: string } | { ok: false; message: string };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Saves what a QR code or pasted text holds: one `otpauth://` account, or
 * every TOTP account of a Google Authenticator export
 * (`otpauth-migration://`), skipping duplicates and HOTP entries with the
 * reason. Parse errors throw OtpauthError with a message for the user.
 */
export async function saveText(services: Services, text: string, paired: boolean): Promise<SaveTextResult> {
  if (!/^\s*otpauth-migration:/i.test(text)) {
    const saved = await saveAccount(services, parseOtpauthUri(text), paired);
    if (!saved.ok) return saved;
    return { ok: true, added: [saved.account], message: saved.warning ?? `Added ${displayName(saved.account)}` };
  }
  const parsed = parseOtpauthMigrationUri(text);
  const summary = await importAccounts(services.vault, parsed.accounts);
  const warnings = paired ? await registerImported(services, summary.added) : [];
  const skipped = [...parsed.skipped, ...summary.skipped];
  if (summary.added.length === 0) {
    return {
      ok: false,
      message: `Nothing was imported: ${skipped.map((s) => `${s.name} (${s.reason})`).join("; ")}.`,
    };
  }
  const parts = [`Imported ${plural(summary.added.length, "account")} from Google Authenticator`];
  if (skipped.length > 0) parts.push(`skipped ${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}`);
  if (warnings[0]) parts.push(warnings[0]);
  return { ok: true, added: summary.added, message: `${parts.join(". ")}.` };
}
