import { createHash } from "node:crypto";
import {
  type DeviceView,
  generateDeviceKey,
  type InviteView,
  type PairResult,
  type PasskeyPurpose,
  type SecurityEvent,
  type TransferView,
} from "@countersign/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SoftAuthenticator } from "../testing/SoftAuthenticator.js";
import { startTestApp, type TestApp } from "../testing/startTestApp.js";
import { TestDevice } from "../testing/TestDevice.js";

/**
 * With "Require passkey to approve" on, whatever could move seeds off an
 * unlocked phone — inviting a device, sending it the seeds, renewing the
 * recovery code — or lock its owner's other phones out — removing another
 * device — needs a fresh, verified assertion of the device's passkey.
 */

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.close();
});

type ErrorBody = { error?: string; message?: string };

async function firstDevice() {
  const { device, response: paired } = await TestDevice.tryPair(app.url, { setupCode: app.setupCode }, "Pixel");
  expect(paired.status).toBe(201);
  device.id = (paired.body as PairResult).id;
  return device;
}

async function withPasskey(device: TestDevice) {
  const authenticator = SoftAuthenticator.forOrigin(app.url);
  const options = await device.call<{ challenge: string }>("POST", "/api/v1/devices/me/passkey/options");
  const registered = await device.call<DeviceView>(
    "POST",
    "/api/v1/devices/me/passkey",
    authenticator.register(options.body),
  );
  expect(registered.body.hasPasskey).toBe(true);
  return authenticator;
}

/** A fresh assertion over a server challenge of `purpose`, as the app makes it. */
async function prove(device: TestDevice, authenticator: SoftAuthenticator, purpose: PasskeyPurpose) {
  const challenge = await device.call<{ challenge: string }>("POST", "/api/v1/devices/me/passkey/challenge", {
    purpose,
  });
  expect(challenge.status).toBe(200);
  return authenticator.assert(challenge.body.challenge);
}

const invite = (device: TestDevice, body?: unknown) =>
  device.call<InviteView & ErrorBody>("POST", "/api/v1/invites", body);

/** A first device with a passkey, and a device it invited (with the passkey) named `name`. */
async function passkeyDeviceAndInvited(name: string) {
  const old = await firstDevice();
  const authenticator = await withPasskey(old);
  const code = (await invite(old, { assertion: await prove(old, authenticator, "invite") })).body.inviteCode;
  const tablet = await TestDevice.pair(app.url, { inviteCode: code }, name);
  return { old, authenticator, tablet };
}

describe("inviting a device with the passkey required", () => {
  it("is refused without an assertion (403 passkey_required) and no invite exists", async () => {
    const device = await firstDevice();
    await withPasskey(device);
    for (const body of [undefined, {}]) {
      const refused = await invite(device, body);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        error: "passkey_required",
        message: expect.stringMatching(/passkey to invite another device/),
      });
      expect(refused.body.inviteCode).toBeUndefined();
    }
  });

  it("is refused with a self-made, replayed, unverified or other-purpose assertion; accepted with a fresh one", async () => {
    const device = await firstDevice();
    const authenticator = await withPasskey(device);

    const homemade = await invite(device, { assertion: authenticator.assert("c2VsZi1tYWRl") });
    expect(homemade.status).toBe(401);

    // An assertion made to turn the passkey off (or to renew the recovery code) does not open an invite.
    const forRemoval = await invite(device, { assertion: await prove(device, authenticator, "remove") });
    expect(forRemoval.status).toBe(401);
    expect(forRemoval.body.message).toMatch(/another request, another answer or an old challenge/);
    const forRecovery = await invite(device, { assertion: await prove(device, authenticator, "recovery_code") });
    expect(forRecovery.status).toBe(401);

    authenticator.userVerified = false;
    const unverified = await invite(device, { assertion: await prove(device, authenticator, "invite") });
    expect(unverified.status).toBe(401);
    expect(unverified.body).toMatchObject({
      error: "unauthorized",
      message: expect.stringMatching(/did not verify you/),
    });
    expect(unverified.body.inviteCode).toBeUndefined();

    authenticator.userVerified = true;
    const assertion = await prove(device, authenticator, "invite");
    const accepted = await invite(device, { assertion });
    expect(accepted.status).toBe(201);
    expect(accepted.body.url).toContain("/pair#invite=");
    const tablet = await TestDevice.pair(app.url, { inviteCode: accepted.body.inviteCode }, "Tablet");
    expect(tablet.id).not.toBe("");

    const replayed = await invite(device, { assertion });
    expect(replayed.status).toBe(401);
    expect(replayed.body.inviteCode).toBeUndefined();
  });

  it("refuses an unknown purpose for a challenge", async () => {
    const device = await firstDevice();
    await withPasskey(device);
    const bad = await device.call<ErrorBody>("POST", "/api/v1/devices/me/passkey/challenge", { purpose: "export" });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/purpose/);
  });
});

describe("renewing the recovery code with the passkey required", () => {
  it("keeps the old code unless a fresh, verified assertion comes with the call", async () => {
    const device = await firstDevice();
    const authenticator = await withPasskey(device);
    const before = await app.store.getSetting("recoveryCodeHash");
    expect(before).not.toBeNull();

    const refused = await device.call<ErrorBody>("POST", "/api/v1/recovery/code");
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      error: "passkey_required",
      message: expect.stringMatching(/new recovery code/),
    });
    authenticator.userVerified = false;
    const unverified = await device.call("POST", "/api/v1/recovery/code", {
      assertion: await prove(device, authenticator, "recovery_code"),
    });
    expect(unverified.status).toBe(401);
    expect(await app.store.getSetting("recoveryCodeHash")).toBe(before);
    const events = await device.call<SecurityEvent[]>("GET", "/api/v1/security-events");
    expect(events.body.map((e) => e.kind)).not.toContain("recovery_code_rotated");

    authenticator.userVerified = true;
    const assertion = await prove(device, authenticator, "recovery_code");
    const renewed = await device.call<{ recoveryCode: string }>("POST", "/api/v1/recovery/code", { assertion });
    expect(renewed.status).toBe(201);
    expect(renewed.body.recoveryCode).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){5}$/);
    const after = await app.store.getSetting("recoveryCodeHash");
    expect(after).not.toBe(before);

    const replayed = await device.call("POST", "/api/v1/recovery/code", { assertion });
    expect(replayed.status).toBe(401);
    expect(await app.store.getSetting("recoveryCodeHash")).toBe(after);
  });
});

describe("sending seeds to an invited device with the passkey required", () => {
  it("leaves the transfer unsealed without a verified assertion, seals it with one", async () => {
    const { old, authenticator, tablet: fresh } = await passkeyDeviceAndInvited("iPhone");
    const id = createHash("sha256")
      .update(crypto.getRandomValues(new Uint8Array(32)))
      .digest("base64url");
    const ephemeral = await generateDeviceKey();
    await fresh.call("POST", "/api/v1/transfers", { transferId: id, publicKey: ephemeral.publicKeyJwk });
    const sealed = { publicKey: ephemeral.publicKeyJwk, iv: "AAAAAAAAAAAAAAAA", ciphertext: "c2VhbGVk" };
    const path = `/api/v1/transfers/${id}/sealed`;

    const refused = await old.call<ErrorBody>("PUT", path, sealed);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      error: "passkey_required",
      message: expect.stringMatching(/send accounts/),
    });
    const forInvite = await old.call("PUT", path, { ...sealed, assertion: await prove(old, authenticator, "invite") });
    expect(forInvite.status).toBe(401);
    authenticator.userVerified = false;
    const unverified = await old.call("PUT", path, {
      ...sealed,
      assertion: await prove(old, authenticator, "transfer"),
    });
    expect(unverified.status).toBe(401);
    expect((await old.call<TransferView>("GET", `/api/v1/transfers/${id}`)).body.sealed).toBe(false);
    expect(await app.store.getSetting(`transfer:${id}`)).not.toContain("c2VhbGVk");

    authenticator.userVerified = true;
    const sent = await old.call<TransferView>("PUT", path, {
      ...sealed,
      assertion: await prove(old, authenticator, "transfer"),
    });
    expect(sent.status).toBe(200);
    expect(sent.body.sealed).toBe(true);
    // The assertion is not relayed to the receiving device: it gets the ciphertext only.
    const picked = await fresh.call<{ status: string; sealed: Record<string, unknown> }>(
      "POST",
      `/api/v1/transfers/${id}/pickup`,
    );
    expect(picked.body.status).toBe("ready");
    expect(Object.keys(picked.body.sealed).sort()).toEqual(["ciphertext", "iv", "publicKey"]);
  });
});

describe("removing another device with the passkey required", () => {
  it("keeps the other device unless a fresh, verified remove_device assertion comes with the call", async () => {
    const { old, authenticator, tablet } = await passkeyDeviceAndInvited("Tablet");
    const path = `/api/v1/devices/${tablet.id}`;
    const tabletPaired = async () => (await tablet.call("GET", "/api/v1/devices/me")).status === 200;

    const refused = await old.call<ErrorBody>("DELETE", path);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      error: "passkey_required",
      message: expect.stringMatching(/remove another device/),
    });
    const forInvite = await old.call("DELETE", path, { assertion: await prove(old, authenticator, "invite") });
    expect(forInvite.status).toBe(401);
    authenticator.userVerified = false;
    const unverified = await old.call("DELETE", path, {
      assertion: await prove(old, authenticator, "remove_device"),
    });
    expect(unverified.status).toBe(401);
    expect(await tabletPaired()).toBe(true);

    authenticator.userVerified = true;
    const removed = await old.call("DELETE", path, { assertion: await prove(old, authenticator, "remove_device") });
    expect(removed.status).toBe(204);
    expect(await tabletPaired()).toBe(false);
  });

  it("a device without a passkey removes others freely, and any device may leave", async () => {
    const { old, tablet } = await passkeyDeviceAndInvited("Tablet");
    const third = await TestDevice.pair(app.url, { inviteCode: (await invite(tablet)).body.inviteCode }, "Laptop");
    expect((await tablet.call("DELETE", `/api/v1/devices/${third.id}`)).status).toBe(204);
    expect((await old.call("DELETE", `/api/v1/devices/${old.id}`)).status).toBe(204);
    expect((await old.call("GET", "/api/v1/devices/me")).status).toBe(401);
  });
});

describe("devices without a passkey", () => {
  it("invite, send seeds and renew the recovery code with no assertion, as before", async () => {
    const old = await firstDevice();
    const created = await invite(old);
    expect(created.status).toBe(201);
    const fresh = await TestDevice.pair(app.url, { inviteCode: created.body.inviteCode }, "iPhone");
    const id = createHash("sha256").update("no passkey").digest("base64url");
    const ephemeral = await generateDeviceKey();
    await fresh.call("POST", "/api/v1/transfers", { transferId: id, publicKey: ephemeral.publicKeyJwk });
    const sealed = { publicKey: ephemeral.publicKeyJwk, iv: "AAAAAAAAAAAAAAAA", ciphertext: "c2VhbGVk" };
    expect((await old.call("PUT", `/api/v1/transfers/${id}/sealed`, sealed)).status).toBe(200);
    expect((await old.call("POST", "/api/v1/recovery/code", {})).status).toBe(201);
    // The challenge endpoint has nothing to offer without a passkey.
    expect((await old.call("POST", "/api/v1/devices/me/passkey/challenge", { purpose: "invite" })).status).toBe(404);
  });

  it("one device's passkey does not bind another device", async () => {
    const { old, tablet } = await passkeyDeviceAndInvited("Tablet");
    expect((await invite(tablet)).status).toBe(201);
    expect((await invite(old)).status).toBe(403);
  });
});

describe("actions that widen who can cause a prompt or collect a code (issue 18, item 4)", () => {
  /** A device with a passkey, holding an account with a link under a policy, paused. */
  async function guardedSetup() {
    const device = await firstDevice();
    const account = (await device.call<{ id: string }>("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" }))
      .body;
    const link = (
      await device.call<{ link: { id: string } }>("POST", `/api/v1/accounts/${account.id}/links`, { name: "CI" })
    ).body.link;
    expect((await device.call("PATCH", `/api/v1/links/${link.id}`, { paused: true })).status).toBe(200);
    const authenticator = await withPasskey(device);
    return { device, authenticator, account, link };
  }

  it("each needs a fresh assertion of its own purpose; without one nothing changes", async () => {
    const { device, authenticator, account, link } = await guardedSetup();
    const attempts: [PasskeyPurpose, string, string, Record<string, unknown>][] = [
      ["create_link", "POST", `/api/v1/accounts/${account.id}/links`, { name: "Sneaky" }],
      ["widen_link", "PATCH", `/api/v1/links/${link.id}`, { paused: false }],
      ["rename_account", "PATCH", `/api/v1/accounts/${account.id}`, { label: "bob" }],
      ["delete_account", "DELETE", `/api/v1/accounts/${account.id}`, {}],
    ];
    for (const [, method, path, body] of attempts) {
      const refused = await device.call<ErrorBody>(method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error).toBe("passkey_required");
      const wrongPurpose = await device.call<ErrorBody>(method, path, {
        ...body,
        assertion: await prove(device, authenticator, "invite"),
      });
      expect(wrongPurpose.status, `${method} ${path} with an invite assertion`).toBe(401);
    }
    // Nothing changed: one link, still paused; the account as it was.
    const links = (
      await device.call<{ paused: boolean; name: string }[]>("GET", `/api/v1/accounts/${account.id}/links`)
    ).body;
    expect(links).toMatchObject([{ paused: true, name: "CI" }]);
    const accounts = (await device.call<{ label: string }[]>("GET", "/api/v1/accounts")).body;
    expect(accounts).toMatchObject([{ label: "alice" }]);

    for (const [purpose, method, path, body] of attempts) {
      const done = await device.call(method, path, { ...body, assertion: await prove(device, authenticator, purpose) });
      expect(done.status, `${method} ${path} with the passkey`).toBeLessThan(300);
    }
  });

  it("narrowing needs no passkey: pausing, renaming a link, revoking it", async () => {
    const { device, link } = await guardedSetup();
    expect((await device.call("PATCH", `/api/v1/links/${link.id}`, { paused: true, name: "Old CI" })).status).toBe(200);
    expect((await device.call("DELETE", `/api/v1/links/${link.id}`)).status).toBe(200);
  });
});
