import "fake-indexeddb/auto";
import { generateTotp, validateAccount } from "@countersign/shared";
import { describe, expect, it } from "vitest";
import { openCountersignDb, resetDbConnection, type StoredTotpAccount } from "../storage/db.js";
import { freshDbForEachTest } from "../test/freshDb.js";
import { createVault } from "./vault.js";

const SECRET = "JBSWY3DPEHPK3PXP";
const npm = validateAccount({ issuer: "npm", label: "alice", secret: SECRET });

freshDbForEachTest();

/** Everything in the database, as one string, to search for leaked secrets. */
async function dumpDatabase(): Promise<string> {
  const db = await openCountersignDb();
  const parts: string[] = [];
  for (const store of ["keys", "accounts", "device"] as const) {
    for (const value of await db.getAll(store)) {
      parts.push(
        JSON.stringify(value, (_key, v) =>
          v instanceof ArrayBuffer || v instanceof Uint8Array ? Buffer.from(new Uint8Array(v)).toString("latin1") : v,
        ),
      );
    }
  }
  return parts.join("\n");
}

describe("vault", () => {
  it("gives back codes computed from the stored seed", async () => {
    const vault = createVault(await openCountersignDb());
    const added = await vault.addAccount(npm);
    expect(added.ok).toBe(true);
    if (!added.ok) return;
    const at = Date.UTC(2026, 10, 22, 12, 0, 10);
    const code = await vault.currentCode(added.account.id, at);
    expect(code).toEqual({ otp: await generateTotp(npm, at), notAfter: Date.UTC(2026, 10, 22, 12, 0, 30) });
    const codes = await vault.timedCodes(added.account.id, at);
    expect(codes?.map((c) => c.otp)).toEqual([await generateTotp(npm, at), await generateTotp(npm, at + 30_000)]);
    // A run approval: one code per step, back to back, from the step containing `at`.
    const run = (await vault.timedCodes(added.account.id, at, 21)) ?? [];
    expect(run).toHaveLength(21);
    expect(run[0]?.notBefore).toBe(Date.UTC(2026, 10, 22, 12, 0, 0));
    expect(run.every((code, i) => i === 0 || code.notBefore === run[i - 1]?.notAfter)).toBe(true);
    expect(run[20]).toEqual({
      otp: await generateTotp(npm, at + 600_000),
      notBefore: Date.UTC(2026, 10, 22, 12, 10, 0),
      notAfter: Date.UTC(2026, 10, 22, 12, 10, 30),
    });
  });

  it("survives reopening the database (round trip through IndexedDB)", async () => {
    const first = createVault(await openCountersignDb());
    const added = await first.addAccount(npm);
    if (!added.ok) throw new Error("not added");
    (await openCountersignDb()).close();
    resetDbConnection();
    const second = createVault(await openCountersignDb());
    expect((await second.listAccounts()).map((a) => a.label)).toEqual(["alice"]);
    expect((await second.currentCode(added.account.id, 0))?.otp).toBe(await generateTotp(npm, 0));
  });

  it("never stores the seed in clear", async () => {
    const vault = createVault(await openCountersignDb());
    await vault.addAccount(npm);
    const dump = await dumpDatabase();
    expect(dump).toContain("alice");
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain(Buffer.from([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x21]).toString("latin1")); // decoded seed bytes
  });

  it("keeps its keys non-extractable", async () => {
    const db = await openCountersignDb();
    await createVault(db).addAccount(npm);
    const key = await db.get("keys", "vault");
    expect(key?.extractable).toBe(false);
    expect(key?.algorithm.name).toBe("AES-GCM");
    await expect(crypto.subtle.exportKey("raw", key as CryptoKey)).rejects.toThrow();
  });

  it("exposes no seed through its interface", async () => {
    const vault = createVault(await openCountersignDb());
    const added = await vault.addAccount(npm);
    if (!added.ok) throw new Error("not added");
    const everything = JSON.stringify([added, await vault.listAccounts(), await vault.getAccount(added.account.id)]);
    expect(everything).not.toContain(SECRET);
  });

  it("refuses a duplicate seed, even typed differently, and a second account with the same name", async () => {
    const vault = createVault(await openCountersignDb());
    await vault.addAccount(npm);
    const sameSeed = await vault.addAccount(
      validateAccount({ issuer: "Other", label: "bob", secret: "jbsw y3dp ehpk 3pxp" }),
    );
    expect(sameSeed).toMatchObject({ ok: false, code: "duplicate", message: expect.stringContaining("npm: alice") });
    const sameName = await vault.addAccount(
      validateAccount({ issuer: "NPM", label: "Alice", secret: "GEZDGNBVGY3TQOJQ" }),
    );
    expect(sameName).toMatchObject({ ok: false, code: "duplicate" });
    expect(await vault.listAccounts()).toHaveLength(1);
  });

  it("renames, links to the server id and deletes", async () => {
    const vault = createVault(await openCountersignDb());
    const added = await vault.addAccount(npm);
    if (!added.ok) throw new Error("not added");
    await vault.rename(added.account.id, { issuer: "npmjs", label: " alice@example.com " });
    await vault.setServerId(added.account.id, "acc_1");
    expect(await vault.findByServerId("acc_1")).toMatchObject({ issuer: "npmjs", label: "alice@example.com" });
    expect((await vault.currentCode(added.account.id, 0))?.otp).toBe(await generateTotp(npm, 0));
    await vault.remove(added.account.id);
    expect(await vault.listAccounts()).toEqual([]);
    expect(await vault.currentCode(added.account.id)).toBeUndefined();
  });

  it("cannot decrypt a seed moved to another account's record", async () => {
    const db = await openCountersignDb();
    const vault = createVault(db);
    const a = await vault.addAccount(npm);
    const b = await vault.addAccount(validateAccount({ issuer: "GitHub", label: "alice", secret: "GEZDGNBVGY3TQOJQ" }));
    if (!a.ok || !b.ok) throw new Error("not added");
    const recordA = await db.get("accounts", a.account.id);
    const recordB = await db.get("accounts", b.account.id);
    if (recordA?.kind !== "totp" || recordB?.kind !== "totp") throw new Error("missing");
    await db.put("accounts", { ...recordB, iv: recordA.iv, ciphertext: recordA.ciphertext });
    await expect(vault.currentCode(b.account.id)).rejects.toThrow();
  });
});

describe("passkey accounts (no seed)", () => {
  const bob = { kind: "passkey", issuer: "npm", label: "bob" } as const;

  it("are listed beside TOTP accounts, with no code, and store nothing secret", async () => {
    const db = await openCountersignDb();
    const vault = createVault(db);
    await vault.addAccount(npm);
    const added = await vault.addPasskeyAccount(bob, { serverId: "acc_bob" });
    if (!added.ok) throw new Error("not added");
    expect(added.account).toEqual({
      kind: "passkey",
      id: expect.any(String),
      serverId: "acc_bob",
      issuer: "npm",
      label: "bob",
      createdAt: expect.any(Number),
    });
    expect((await vault.listAccounts()).map((a) => [a.label, a.kind])).toEqual([
      ["alice", "totp"],
      ["bob", "passkey"],
    ]);
    expect(await vault.currentCode(added.account.id)).toBeUndefined();
    expect(await vault.timedCodes(added.account.id)).toBeUndefined();
    expect(await vault.findByServerId("acc_bob")).toMatchObject({ kind: "passkey", label: "bob" });
    expect(Object.keys((await db.get("accounts", added.account.id)) ?? {}).sort()).toEqual(
      ["createdAt", "id", "issuer", "kind", "label", "serverId"].sort(),
    );
  });

  it("can be renamed and deleted", async () => {
    const vault = createVault(await openCountersignDb());
    const added = await vault.addPasskeyAccount(bob);
    if (!added.ok) throw new Error("not added");
    await vault.setServerId(added.account.id, "acc_bob");
    expect(await vault.rename(added.account.id, { issuer: "npmjs", label: "bob2" })).toMatchObject({
      kind: "passkey",
      issuer: "npmjs",
      label: "bob2",
      serverId: "acc_bob",
    });
    await vault.remove(added.account.id);
    expect(await vault.listAccounts()).toEqual([]);
  });

  it("refuses a passkey account whose names are already here, whatever the kind", async () => {
    const vault = createVault(await openCountersignDb());
    await vault.addAccount(npm);
    await vault.addPasskeyAccount(bob);
    expect(await vault.addPasskeyAccount({ kind: "passkey", issuer: "NPM", label: "Alice" })).toMatchObject({
      ok: false,
      code: "duplicate",
      message: expect.stringContaining("with its code"),
    });
    expect(await vault.addPasskeyAccount({ kind: "passkey", issuer: "npm", label: "BOB" })).toMatchObject({
      ok: false,
      code: "duplicate",
    });
    expect(await vault.listAccounts()).toHaveLength(2);
  });

  it("get their seed when the registry's QR code of the same names is added: same account, links and all", async () => {
    const vault = createVault(await openCountersignDb());
    const passkey = await vault.addPasskeyAccount(
      { kind: "passkey", issuer: "npm", label: "alice" },
      { serverId: "acc_1" },
    );
    if (!passkey.ok) throw new Error("not added");
    const totp = await vault.addAccount(validateAccount({ issuer: "NPM", label: "alice", secret: SECRET }));
    expect(totp).toMatchObject({
      ok: true,
      account: { kind: "totp", id: passkey.account.id, serverId: "acc_1", issuer: "npm", label: "alice" },
    });
    expect(await vault.listAccounts()).toHaveLength(1);
    expect((await vault.currentCode(passkey.account.id, 0))?.otp).toBe(await generateTotp(npm, 0));
  });

  it("leave older records, written before there were kinds, read as TOTP accounts", async () => {
    const db = await openCountersignDb();
    const vault = createVault(db);
    const added = await vault.addAccount(npm);
    if (!added.ok) throw new Error("not added");
    const { kind: _kind, ...old } = (await db.get("accounts", added.account.id)) as StoredTotpAccount;
    await db.put("accounts", old);
    expect(await vault.getAccount(added.account.id)).toMatchObject({ kind: "totp", digits: 6, period: 30 });
    expect((await vault.currentCode(added.account.id, 0))?.otp).toBe(await generateTotp(npm, 0));
  });
});
