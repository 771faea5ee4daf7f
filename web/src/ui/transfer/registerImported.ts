import type { Services } from "../../services.js";
import type { AccountInfo } from "../../vault/vault.js";
import { registerWithServer } from "../add/saveAccount.js";

/**
 * Tells the server this device holds the imported accounts (names only), so
 * it is notified for their CI links. An account with the same issuer and
 * label on the server is joined, not duplicated. An account already
 * registered (a passkey account that got its seed) is left as it is. Returns
 * the warnings.
 */
export async function registerImported(services: Services, accounts: AccountInfo[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const account of accounts.filter((a) => !a.serverId)) {
    const warning = await registerWithServer(services, account);
    if (warning) warnings.push(warning);
  }
  return warnings;
}
