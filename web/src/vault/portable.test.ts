import "fake-indexeddb/auto";
import { generateTotp, validateAccount } from "@countersign/shared";
import { IDBFactory } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import { openCountersignDb, resetDbConnection } from "../storage/db.js";
import { freshDbForEachTest } from "../test/freshDb.js";
import { BACKUP_ITERATIONS, decryptBackup, encryptBackup } from "./backupFormat.js";
import { toPortablePayload } from "./passkeyAccount.js";
import { exportBackup, exportOtpauthUri, importBackup, receiveTransfer, sealAccountsForTransfer } from "./portable.js";
import { generateTransferKey, newTransferSecret, openSealedTransfer, transferIdFor } from "./transferCrypto.js";
import { createVault } from "./vault.js";

const npm = validateAccount({ issuer: "npm", label: "alice", secret: "JBSWY3DPEHPK3PXP" });
const github = validateAccount({ issuer: "GitHub", label: "bob", secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY", digits: 8 });
const FAST = { iterations: 100_000 };

freshDbForEachTest();

async function freshVault() {
  globalThis.indexedDB = new IDBFactory();
  resetDbConnection();
  const db = await openCountersignDb();
  return { db, vault: createVault(db) };
}

describe("backup file", () => {
  it("round-trips accounts and keeps the seeds out of the file's text", async () => {
    const text = await encryptBackup([npm, github], "correct horse battery", FAST);
    expect(text).not.toContain(npm.secret);
    expect(text).not.toContain(github.secret);
    const file = JSON.parse(text);
    expect(file).toMatchObject({ format: "countersign-backup", version: 1, kdf: { name: "PBKDF2", hash: "SHA-256" } });
    expect(await decryptBackup(text, "correct horse battery")).toMatchObject({ ok: true, accounts: [npm, github] });
  });

  it("uses at least 600,000 PBKDF2 iterations by default", async () => {
    const text = await encryptBackup([npm], "correct horse battery");
    expect(JSON.parse(text).kdf.iterations).toBe(BACKUP_ITERATIONS);
    expect(BACKUP_ITERATIONS).toBeGreaterThanOrEqual(600_000);
  });

  it("fails clearly with a wrong passphrase", async () => {
    const text = await encryptBackup([npm], "correct horse battery", FAST);
    expect(await decryptBackup(text, "wrong horse battery")).toEqual({
      ok: false,
      code: "passphrase",
      message: expect.stringMatching(/Wrong passphrase/),
    });
  });

  it("refuses a tampered file: changed ciphertext, weakened iterations, other format", async () => {
    const text = await encryptBackup([npm], "correct horse battery", FAST);
    const file = JSON.parse(text);
    const flipped = {
      ...file,
      ciphertext: `${file.ciphertext.slice(0, 10)}${file.ciphertext[10] === "A" ? "B" : "A"}${file.ciphertext.slice(11)}`,
    };
    expect((await decryptBackup(JSON.stringify(flipped), "correct horse battery")).ok).toBe(false);
    const weaker = { ...file, kdf: { ...file.kdf, iterations: 100_001 } };
    expect((await decryptBackup(JSON.stringify(weaker), "correct horse battery")).ok).toBe(false);
    const tooWeak = { ...file, kdf: { ...file.kdf, iterations: 1 } };
    expect(await decryptBackup(JSON.stringify(tooWeak), "correct horse battery")).toMatchObject({
      ok: false,
      code: "format",
    });
    expect(await decryptBackup("{}", "x")).toMatchObject({ ok: false, code: "format" });
    expect(await decryptBackup("not json", "x")).toMatchObject({ ok: false, code: "format" });
  });

  it("refuses short passphrases", async () => {
    await expect(encryptBackup([npm], "short")).rejects.toThrow(/at least 8/);
  });

  it("imports on another device, skips duplicates, and a wrong passphrase adds nothing", async () => {
    const one = await freshVault();
    await one.vault.addAccount(npm);
    await one.vault.addAccount(github);
    const { text, count } = await exportBackup(one.db, "correct horse battery");
    expect(count).toBe(2);

    const two = await freshVault();
    await two.vault.addAccount(npm);
    expect(await importBackup(two.vault, text, "nope nope nope")).toMatchObject({ ok: false });
    expect((await two.vault.listAccounts()).length).toBe(1);
    const imported = await importBackup(two.vault, text, "correct horse battery");
    expect(imported).toMatchObject({
      ok: true,
      summary: { added: [{ label: "bob" }], skipped: [{ name: "npm: alice" }] },
    });
    const accounts = await two.vault.listAccounts();
    const bob = accounts.find((a) => a.label === "bob");
    const now = 1_700_000_000_000;
    expect((await two.vault.currentCode(bob?.id ?? "", now))?.otp).toBe(await generateTotp(github, now));
  }, 30_000);

  it("exports one account as a standard otpauth:// URI", async () => {
    const { db, vault } = await freshVault();
    const added = await vault.addAccount(npm);
    if (!added.ok) throw new Error("not added");
    expect(await exportOtpauthUri(db, added.account.id)).toMatch(/^otpauth:\/\/totp\/.*secret=JBSWY3DPEHPK3PXP/);
  });
});

describe("seed transfer", () => {
  it("decrypts only with the receiver's key and the secret from the QR code", async () => {
    const sender = await freshVault();
    const a = await sender.vault.addAccount(npm);
    await sender.vault.addAccount(github);
    if (!a.ok) throw new Error("not added");
    const secret = newTransferSecret();
    const receiverKey = await generateTransferKey();
    const sealed = await sealAccountsForTransfer(sender.db, [a.account.id], receiverKey.publicKeyJwk, secret);
    expect(JSON.stringify(sealed)).not.toContain(npm.secret);

    await expect(openSealedTransfer(sealed, receiverKey, newTransferSecret())).rejects.toThrow();
    await expect(openSealedTransfer(sealed, await generateTransferKey(), secret)).rejects.toThrow();
    const swapped = { ...sealed, publicKey: (await generateTransferKey()).publicKeyJwk };
    await expect(openSealedTransfer(swapped, receiverKey, secret)).rejects.toThrow();

    const receiver = await freshVault();
    const summary = await receiveTransfer(receiver.vault, sealed, receiverKey, secret);
    expect(summary.added.map((x) => x.label)).toEqual(["alice"]);
    expect(await transferIdFor(secret)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await transferIdFor(secret)).not.toContain(secret);
  });
});

describe("passkey accounts leaving and entering the phone", () => {
  const carol = { kind: "passkey", issuer: "npm", label: "carol" } as const;

  it("a backup carries them by name, and restores them with no code", async () => {
    const one = await freshVault();
    await one.vault.addAccount(npm);
    await one.vault.addPasskeyAccount(carol, { serverId: "acc_carol" });
    const { text, count } = await exportBackup(one.db, "correct horse battery");
    expect(count).toBe(2);
    const read = await decryptBackup(text, "correct horse battery");
    expect(read).toMatchObject({ ok: true, accounts: [npm, { kind: "passkey", issuer: "npm", label: "carol" }] });

    const two = await freshVault();
    const imported = await importBackup(two.vault, text, "correct horse battery");
    expect(imported).toMatchObject({
      ok: true,
      summary: { added: [{ kind: "totp" }, { kind: "passkey", serverId: null }] },
    });
    const restored = (await two.vault.listAccounts()).find((a) => a.label === "carol");
    expect(restored?.kind).toBe("passkey");
    expect(await two.vault.currentCode(restored?.id ?? "")).toBeUndefined();
  }, 30_000);

  it("go beside the TOTP accounts, so an app that predates them still reads the rest", () => {
    // The plaintext of a backup or a transfer: an older app reads `accounts` and ignores the rest.
    expect(toPortablePayload([npm, carol])).toEqual({
      accounts: [npm],
      passkeyAccounts: [{ issuer: "npm", label: "carol" }],
    });
    expect(toPortablePayload([npm])).toEqual({ accounts: [npm] });
  });

  it("a transfer carries them by name; the QR export has nothing to show for them", async () => {
    const sender = await freshVault();
    const added = await sender.vault.addPasskeyAccount(carol);
    if (!added.ok) throw new Error("not added");
    expect(await exportOtpauthUri(sender.db, added.account.id)).toBeUndefined();
    const secret = newTransferSecret();
    const receiverKey = await generateTransferKey();
    const sealed = await sealAccountsForTransfer(sender.db, [added.account.id], receiverKey.publicKeyJwk, secret);
    const receiver = await freshVault();
    const summary = await receiveTransfer(receiver.vault, sealed, receiverKey, secret);
    expect(summary.added).toMatchObject([{ kind: "passkey", issuer: "npm", label: "carol" }]);
  });
});
