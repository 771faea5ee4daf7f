import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { createApiClient } from "../../api/client.js";
import type { Services } from "../../services.js";
import { openCountersignDb } from "../../storage/db.js";
import { freshDbForEachTest } from "../../test/freshDb.js";
import { createVault } from "../../vault/vault.js";
import { saveText } from "./saveText.js";

freshDbForEachTest();

async function services(): Promise<Services> {
  const db = await openCountersignDb();
  return { db, vault: createVault(db), api: createApiClient({ identity: async () => undefined }) };
}

// A Google Authenticator export with npm:alice (TOTP, secret "Hello!\xde\xad\xbe\xef") and a HOTP entry.
function migration(): string {
  const secret = [0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x21, 0xde, 0xad, 0xbe, 0xef];
  const field = (n: number, bytes: number[]) => [n * 8 + 2, bytes.length, ...bytes];
  const text = (s: string) => [...new TextEncoder().encode(s)];
  const entry = (name: string, issuer: string, type: number) => [
    ...field(1, secret),
    ...field(2, text(name)),
    ...field(3, text(issuer)),
    4 * 8,
    1,
    5 * 8,
    1,
    6 * 8,
    type,
  ];
  const payload = [...field(1, entry("npm:alice", "npm", 2)), ...field(1, entry("vpn", "Old VPN", 1))];
  return `otpauth-migration://offline?data=${encodeURIComponent(btoa(String.fromCharCode(...payload)))}`;
}

describe("saveText", () => {
  it("imports the TOTP entries of a Google Authenticator export and names what it skipped", async () => {
    const s = await services();
    const result = await saveText(s, migration(), false);
    expect(result).toMatchObject({ ok: true, added: [{ issuer: "npm", label: "alice" }] });
    expect(result.ok && result.message).toMatch(/Imported 1 account from Google Authenticator\. skipped Old VPN: vpn/);
    expect((await s.vault.listAccounts()).map((a) => a.label)).toEqual(["alice"]);
  });

  it("skips what is already there and says so when nothing was added", async () => {
    const s = await services();
    await saveText(s, migration(), false);
    const again = await saveText(s, migration(), false);
    expect(again.ok).toBe(false);
    expect(again.message).toMatch(/Nothing was imported: .*npm: alice .*already in Countersign/);
    expect(await s.vault.listAccounts()).toHaveLength(1);
  });

  it("still adds a single otpauth:// account", async () => {
    const s = await services();
    const result = await saveText(s, "otpauth://totp/npm:bob?secret=JBSWY3DPEHPK3PXP&issuer=npm", false);
    expect(result).toMatchObject({ ok: true, message: "Added npm: bob" });
  });
});
