import "fake-indexeddb/auto";
import { generateDeviceKey, generateTotp, OtpauthError, parseOtpauthUri } from "@countersign/shared";
import { afterEach, describe, expect, it } from "vitest";
import { createApiClient } from "../../api/client.js";
import { openCountersignDb } from "../../storage/db.js";
import { freshDbForEachTest } from "../../test/freshDb.js";
import { startSignedServer } from "../../test/signedServer.js";
import { createVault } from "../../vault/vault.js";
import { saveAccount, savePasskeyAccount } from "./saveAccount.js";

const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const NPM_URI = `otpauth://totp/npm:alice?secret=${SECRET}&issuer=npm`;

let close: (() => Promise<void>) | undefined;
freshDbForEachTest();
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function services(status = 201) {
  const key = await generateDeviceKey();
  const server = await startSignedServer(
    () => key.publicKeyJwk,
    () =>
      status === 201
        ? { status, body: { id: "acc_9", issuer: "npm", label: "alice", createdAt: 0, deviceIds: ["dev_1"] } }
        : { status, body: { error: "internal", message: "Database unavailable." } },
  );
  close = server.close;
  const db = await openCountersignDb();
  return {
    server,
    services: {
      db,
      vault: createVault(db),
      api: createApiClient({
        identity: async () => ({ privateKey: key.privateKey, deviceId: "dev_1" }),
        baseUrl: server.baseUrl,
      }),
    },
  };
}

describe("adding an account from an otpauth:// URI", () => {
  it("parses the registry's URI the way the app does", () => {
    expect(parseOtpauthUri(NPM_URI)).toEqual({
      issuer: "npm",
      label: "alice",
      secret: SECRET,
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    });
    expect(
      parseOtpauthUri(
        "otpauth://totp/ACME%20Co:bob%40example.com?secret=jbswy3dpehpk3pxp&algorithm=SHA512&digits=8&period=60",
      ),
    ).toMatchObject({ issuer: "ACME Co", label: "bob@example.com", algorithm: "SHA512", digits: 8, period: 60 });
  });

  it.each([
    ["https://example.com", /not an otpauth/],
    ["otpauth://hotp/npm:alice?secret=JBSWY3DPEHPK3PXP&counter=1", /HOTP/],
    ["otpauth://totp/npm:alice?issuer=npm", /no secret/],
    ["otpauth://totp/npm:alice?secret=JBSW1!", /not a base32 character/],
    ["otpauth://totp/npm:alice?secret=JBSWY3DPEHPK3PXP&digits=9", /Digits must be 6 to 8/],
    ["otpauth://totp/npm:alice?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", /not supported/],
  ])("explains what is wrong with %s", (uri, message) => {
    expect(() => parseOtpauthUri(uri)).toThrow(OtpauthError);
    expect(() => parseOtpauthUri(uri)).toThrow(message);
  });

  it("stores the seed in the vault and tells the server only the names", async () => {
    const { server, services: s } = await services();
    const saved = await saveAccount(s, parseOtpauthUri(NPM_URI), true);
    expect(saved).toMatchObject({ ok: true, account: { issuer: "npm", label: "alice", serverId: null } });
    if (!saved.ok) return;
    expect(JSON.parse(server.received[0]?.body ?? "{}")).toEqual({ issuer: "npm", label: "alice" });
    expect(server.received.map((r) => r.body + JSON.stringify(r.headers)).join("")).not.toContain(SECRET);
    expect(await s.vault.findByServerId("acc_9")).toMatchObject({ id: saved.account.id });
    const params = { secret: SECRET, algorithm: "SHA1", digits: 6, period: 30 } as const;
    expect((await s.vault.currentCode(saved.account.id, 0))?.otp).toBe(await generateTotp(params, 0));
  });

  it("keeps the account on the device when the server refuses, and says why", async () => {
    const { services: s } = await services(500);
    const saved = await saveAccount(s, parseOtpauthUri(NPM_URI), true);
    expect(saved).toMatchObject({ ok: true, warning: "Saved on this device only: Database unavailable." });
    expect(await s.vault.listAccounts()).toHaveLength(1);
  });

  it("refuses the same QR code twice without calling the server again", async () => {
    const { server, services: s } = await services();
    await saveAccount(s, parseOtpauthUri(NPM_URI), true);
    const again = await saveAccount(s, parseOtpauthUri(NPM_URI), true);
    expect(again).toMatchObject({ ok: false, message: expect.stringContaining("already in Countersign") });
    expect(server.received).toHaveLength(1);
  });
});

describe("adding a passkey account (no code)", () => {
  it("registers its names with the server, the same call as a TOTP account, and keeps no seed", async () => {
    const { server, services: s } = await services();
    const saved = await savePasskeyAccount(s, { kind: "passkey", issuer: "npm", label: "alice" }, true);
    expect(saved).toMatchObject({ ok: true, account: { kind: "passkey", issuer: "npm", label: "alice" } });
    expect(server.received.map((r) => [r.method, r.path, JSON.parse(r.body)])).toEqual([
      ["POST", "/api/v1/accounts", { issuer: "npm", label: "alice" }],
    ]);
    expect(await s.vault.findByServerId("acc_9")).toMatchObject({ kind: "passkey", label: "alice" });
  });

  it("adding the account's QR code later gives it codes and keeps its server account (no second registration)", async () => {
    const { server, services: s } = await services();
    await savePasskeyAccount(s, { kind: "passkey", issuer: "npm", label: "alice" }, true);
    const saved = await saveAccount(s, parseOtpauthUri(NPM_URI), true);
    expect(saved).toMatchObject({ ok: true, account: { kind: "totp", serverId: "acc_9" } });
    expect(server.received).toHaveLength(1);
    const now = 1_700_000_000_000;
    expect((await s.vault.currentCode(saved.ok ? saved.account.id : "", now))?.otp).toBe(
      await generateTotp({ secret: SECRET, algorithm: "SHA1", digits: 6, period: 30 }, now),
    );
  });
});
