import { createHash } from "node:crypto";
import {
  type AccountView,
  type ApprovalView,
  type CreatedLink,
  type DeviceView,
  generateDeviceKey,
  generateTimedCodes,
  type InviteView,
  type OpenInviteView,
  type PairResult,
  type RecoverResult,
  type SecurityEvent,
  type TransferPickup,
  type TransferView,
} from "@countersign/shared";
import { describe, expect, it } from "vitest";
import { MAX_RECOVERY_ATTEMPTS } from "../domain/recovery.js";
import { SECURITY_EVENT_RETENTION_MS } from "../domain/securityEvents.js";
import { sweepExpired } from "../domain/sweepExpired.js";
import { appSuite } from "../testing/appSuite.js";
import { send, TestDevice } from "../testing/TestDevice.js";

const suite = appSuite();
const start = () => suite.start();

/** Pairs the first device and returns it with the recovery code the server showed once. */
async function firstDevice(name = "Pixel") {
  const { device, response: paired } = await TestDevice.tryPair(
    suite.app.url,
    { setupCode: suite.app.setupCode },
    name,
  );
  expect(paired.status).toBe(201);
  const body = paired.body as PairResult;
  device.id = body.id;
  return { device, recoveryCode: body.recoveryCode ?? "" };
}

/** The first device, and a second one it invited, paired as `name`. */
async function firstDeviceAndInvitee(name: string) {
  const { device: old } = await firstDevice();
  const invite = await old.call<InviteView>("POST", "/api/v1/invites");
  return { old, invitee: await TestDevice.pair(suite.app.url, { inviteCode: invite.body.inviteCode }, name) };
}

async function recover(recoveryCode: string, name = "New phone") {
  const device = await TestDevice.create(suite.app.url);
  const response = await device.call<RecoverResult>(
    "POST",
    "/api/v1/recovery",
    { recoveryCode, name, publicKey: device.publicKeyJwk },
    { deviceId: null },
  );
  if (response.status === 201) device.id = response.body.device.id;
  return { device, response };
}

const transferId = () =>
  createHash("sha256")
    .update(crypto.getRandomValues(new Uint8Array(32)))
    .digest("base64url");

describe("recovery code", () => {
  it("is shown once at the first pairing and stored only as a hash", async () => {
    await start();
    const { recoveryCode } = await firstDevice();
    expect(recoveryCode).toMatch(/^([A-Z2-9]{4}-){5}[A-Z2-9]{4}$/);
    const dump = JSON.stringify(await suite.app.store.getSetting("recoveryCodeHash"));
    expect(dump).not.toContain(recoveryCode);
    expect(dump).not.toContain(recoveryCode.replace(/-/g, ""));
  });

  it("pairs a new phone that holds every account, rotates the code, files and pushes the event", async () => {
    await start();
    const { device: old, recoveryCode } = await firstDevice();
    const subscription = suite.push.createSubscription();
    expect((await old.call("PUT", "/api/v1/devices/me/push", subscription)).status).toBe(200);
    const { account, ...link } = await old.addAccountWithLink();

    const { device: phone, response } = await recover(recoveryCode.toLowerCase().replace(/-/g, " "));
    expect(response.status).toBe(201);
    expect(response.body.accounts.map((a) => a.id)).toEqual([account.id]);
    expect(response.body.accounts[0]?.deviceIds).toEqual([old.id, phone.id]);
    expect(response.body.recoveryCode).not.toBe(recoveryCode);

    const message = await suite.push.waitForMessage((m) => m.endpoint === subscription.endpoint);
    expect(message.payload).toMatchObject({ type: "security", title: "Recovery code used" });
    const events = await phone.call<SecurityEvent[]>("GET", "/api/v1/security-events");
    expect(events.body[0]).toMatchObject({ kind: "recovery_used", deviceName: "New phone" });

    // The same code does not work twice; the new one does.
    expect((await recover(recoveryCode)).response.status).toBe(401);
    expect((await recover(response.body.recoveryCode, "Third")).response.status).toBe(201);

    // CI's link still reaches the recovered phone, which can answer.
    const ci = send(`${suite.app.url}/api/v1/otp/${link.token}`, { method: "POST" });
    let pending: ApprovalView[] = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      pending = (await phone.call<ApprovalView[]>("GET", "/api/v1/approvals")).body;
      if (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const codes = await generateTimedCodes(
      { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 },
      Date.now(),
    );
    const pendingId = pending[0]?.id ?? "";
    expect(
      (await phone.call("POST", `/api/v1/approvals/${pendingId}/answer`, { decision: "approve", codes })).status,
    ).toBe(200);
    expect((await ci).status).toBe(200);
  });

  it("refuses every attempt after too many wrong codes, with Retry-After", async () => {
    await start();
    const { recoveryCode } = await firstDevice();
    for (let i = 0; i < MAX_RECOVERY_ATTEMPTS; i++) {
      expect((await recover("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")).response.status).toBe(401);
    }
    const locked = (await recover(recoveryCode)).response;
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await suite.app.store.listDevices()).length).toBe(1);
  });

  it("can be replaced from a paired device", async () => {
    await start();
    const { device, recoveryCode } = await firstDevice();
    const rotated = await device.call<{ recoveryCode: string }>("POST", "/api/v1/recovery/code");
    expect(rotated.status).toBe(201);
    expect((await recover(recoveryCode)).response.status).toBe(401);
    expect((await recover(rotated.body.recoveryCode)).response.status).toBe(201);
  });
});

describe("seed transfer between devices", () => {
  it("relays ciphertext from the inviter to the new device once, then forgets it", async () => {
    await start();
    const { old, invitee: fresh } = await firstDeviceAndInvitee("iPhone");
    const id = transferId();
    const ephemeral = await generateDeviceKey();
    const opened = await fresh.call("POST", "/api/v1/transfers", { transferId: id, publicKey: ephemeral.publicKeyJwk });
    expect(opened.status).toBe(201);

    expect((await fresh.call<TransferPickup>("POST", `/api/v1/transfers/${id}/pickup`)).body).toMatchObject({
      status: "waiting",
    });
    const view = await old.call<TransferView>("GET", `/api/v1/transfers/${id}`);
    expect(view.body).toMatchObject({ to: { id: fresh.id, name: "iPhone" }, sealed: false });
    expect(view.body.publicKey.x).toBe(ephemeral.publicKeyJwk.x);

    const sealed = { publicKey: ephemeral.publicKeyJwk, iv: "AAAAAAAAAAAAAAAA", ciphertext: "c2VhbGVk" };
    expect((await fresh.call("PUT", `/api/v1/transfers/${id}/sealed`, sealed)).status).toBe(403);
    expect((await old.call("PUT", `/api/v1/transfers/${id}/sealed`, sealed)).status).toBe(200);
    expect((await old.call("PUT", `/api/v1/transfers/${id}/sealed`, sealed)).status).toBe(409);
    expect((await old.call("POST", `/api/v1/transfers/${id}/pickup`)).status).toBe(403);

    const picked = await fresh.call<TransferPickup>("POST", `/api/v1/transfers/${id}/pickup`);
    expect(picked.body).toMatchObject({ status: "ready", sealed: { ciphertext: "c2VhbGVk" }, from: { id: old.id } });
    expect((await fresh.call("POST", `/api/v1/transfers/${id}/pickup`)).status).toBe(404);
    expect(await suite.app.store.getSetting(`transfer:${id}`)).toBeNull();
  });

  it("deletes a transfer nobody picked up once it expires", async () => {
    let now = Date.now();
    await suite.start({ pushAllow: [], clock: { now: () => now }, config: { inviteTtlSeconds: 60 } });
    const { old, invitee: fresh } = await firstDeviceAndInvitee("iPhone");
    const id = transferId();
    const ephemeral = await generateDeviceKey();
    await fresh.call("POST", "/api/v1/transfers", { transferId: id, publicKey: ephemeral.publicKeyJwk });
    const sealed = { publicKey: ephemeral.publicKeyJwk, iv: "AAAAAAAAAAAAAAAA", ciphertext: "c2VhbGVk" };
    expect((await old.call("PUT", `/api/v1/transfers/${id}/sealed`, sealed)).status).toBe(200);
    expect(await suite.app.store.getSetting(`transfer:${id}`)).toContain("c2VhbGVk");

    now += 61_000;
    await sweepExpired(suite.app.deps);
    expect(await suite.app.store.getSetting(`transfer:${id}`)).toBeNull();
    expect(await suite.app.store.getSetting("transfers")).toBe("[]");
    expect((await fresh.call("POST", `/api/v1/transfers/${id}/pickup`, undefined, { now })).status).toBe(404);
  });

  it("refuses malformed transfers and changes nothing", async () => {
    await start();
    const { device } = await firstDevice();
    expect((await device.call("POST", "/api/v1/transfers", { transferId: "short", publicKey: {} })).status).toBe(400);
    expect((await device.call("GET", "/api/v1/transfers/not-an-id")).status).toBe(400);
    expect(await suite.app.store.getSetting("transfers")).toBeNull();
  });
});

describe("removing a device", () => {
  it("stops its pending approvals and its answers", async () => {
    await start();
    const { old, invitee: lost } = await firstDeviceAndInvitee("Lost phone");
    const account = (await old.call<AccountView>("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" })).body;
    await lost.call("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" });
    const link = (await old.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, { name: "CI" })).body;
    const ci = send(`${suite.app.url}/api/v1/otp/${link.token}?wait=5`, { method: "POST" });
    let pending: ApprovalView[] = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      pending = (await lost.call<ApprovalView[]>("GET", "/api/v1/approvals")).body;
      if (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(pending).toHaveLength(1);

    expect((await old.call("DELETE", `/api/v1/devices/${lost.id}`)).status).toBe(204);
    const devices = await old.call<DeviceView[]>("GET", "/api/v1/devices");
    expect(devices.body.map((d) => d.name)).toEqual(["Pixel"]);
    expect((await lost.call("GET", "/api/v1/approvals")).status).toBe(401);
    const codes = await generateTimedCodes(
      { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 },
      Date.now(),
    );
    const answer = await lost.call("POST", `/api/v1/approvals/${pending[0]?.id}/answer`, {
      decision: "approve",
      codes,
    });
    expect(answer.status).toBe(401);
    expect((await suite.app.store.getAccount(account.id))?.deviceIds).toEqual([old.id]);
    const events = await old.call<SecurityEvent[]>("GET", "/api/v1/security-events");
    expect(events.body[0]).toMatchObject({ kind: "device_removed", deviceName: "Lost phone" });
    suite.app.shutdown.abort();
    await ci;
  });
});

describe("what a removed device started, and the trail", () => {
  it("cancels its invites: the invite no longer pairs once its device is removed", async () => {
    await start();
    const { device: owner } = await firstDevice("Owner");
    const helper = await TestDevice.pair(suite.app.url, { inviteCode: await inviteFrom(owner) }, "Helper");
    const invite = (await helper.call<InviteView>("POST", "/api/v1/invites")).body;
    expect((await owner.call("DELETE", `/api/v1/devices/${helper.id}`)).status).toBe(204);
    expect((await helper.call("GET", "/api/v1/devices/me")).status).toBe(401);

    const { response: paired } = await TestDevice.tryPair(suite.app.url, { inviteCode: invite.inviteCode }, "Stranger");
    expect(paired.status).toBe(401);
    expect((await owner.call<DeviceView[]>("GET", "/api/v1/devices")).body.map((d) => d.name)).toEqual(["Owner"]);
  });

  it("lists open invites without their codes and revokes one", async () => {
    await start();
    const { device: owner } = await firstDevice("Owner");
    const first = (await owner.call<InviteView>("POST", "/api/v1/invites")).body;
    const second = (await owner.call<InviteView>("POST", "/api/v1/invites")).body;
    const open = await owner.call<OpenInviteView[]>("GET", "/api/v1/invites");
    expect(open.status).toBe(200);
    expect(open.body.map((invite) => invite.id)).toEqual([first.id, second.id]);
    expect(open.body[0]).toMatchObject({ createdBy: { id: owner.id, name: "Owner" }, expiresAt: first.expiresAt });
    expect(JSON.stringify(open.body)).not.toContain(first.inviteCode);

    expect((await owner.call("DELETE", `/api/v1/invites/${first.id}`)).status).toBe(204);
    expect((await owner.call("DELETE", `/api/v1/invites/${first.id}`)).status).toBe(404);
    const { response: refused } = await TestDevice.tryPair(suite.app.url, { inviteCode: first.inviteCode }, "X");
    expect(refused.status).toBe(401);
    expect((await owner.call<OpenInviteView[]>("GET", "/api/v1/invites")).body.map((i) => i.id)).toEqual([second.id]);
    expect((await TestDevice.pair(suite.app.url, { inviteCode: second.inviteCode }, "Tablet")).id).toBeTruthy();
    expect((await owner.call<OpenInviteView[]>("GET", "/api/v1/invites")).body).toEqual([]);
  });

  it("tells the other devices when a device is paired by invite", async () => {
    await start();
    const { device: owner } = await firstDevice("Owner");
    const subscription = suite.push.createSubscription();
    expect((await owner.call("PUT", "/api/v1/devices/me/push", subscription)).status).toBe(200);
    await TestDevice.pair(suite.app.url, { inviteCode: await inviteFrom(owner) }, "Intruder");
    const message = await suite.push.waitForMessage((m) => m.endpoint === subscription.endpoint);
    expect(message.payload).toMatchObject({ type: "security", title: "A new device was paired" });
    expect((message.payload as { body: string }).body).toContain("Intruder");
  });

  it("cancels the transfers it was to receive and its passkey challenges", async () => {
    await start();
    const { device: owner } = await firstDevice("Owner");
    const phone = await TestDevice.pair(suite.app.url, { inviteCode: await inviteFrom(owner) }, "Phone");
    const id = transferId();
    const opened = await phone.call("POST", "/api/v1/transfers", {
      transferId: id,
      publicKey: (await generateDeviceKey()).publicKeyJwk,
    });
    expect(opened.status).toBe(201);
    expect((await phone.call("POST", "/api/v1/devices/me/passkey/options")).status).toBe(200);
    expect((await suite.app.store.getSetting(`passkeyChallenge:register:${phone.id}`)) !== null).toBe(true);
    expect((await owner.call("DELETE", `/api/v1/devices/${phone.id}`)).status).toBe(204);
    expect((await owner.call("GET", `/api/v1/transfers/${id}`)).status).toBe(404);
    expect(await suite.app.store.getSetting(`transfer:${id}`)).toBeNull();
    expect(await suite.app.store.getSetting(`passkeyChallenge:register:${phone.id}`)).toBeNull();
  });

  it("keeps the security events of a device that floods the log (by age, not by count)", async () => {
    await start();
    const { device: owner } = await firstDevice("Owner");
    // A device that turns out hostile tries to bury its own pairing under 50 rounds of
    // invite → pair → remove itself (150 events, past the old cap of 100).
    let intruder = await TestDevice.pair(suite.app.url, { inviteCode: await inviteFrom(owner) }, "Intruder");
    const intruderId = intruder.id;
    for (let round = 0; round < 50; round++) {
      const next = await TestDevice.pair(
        suite.app.url,
        { inviteCode: await inviteFrom(intruder) },
        `Intruder ${round}`,
      );
      expect((await intruder.call("DELETE", `/api/v1/devices/${intruder.id}`)).status).toBe(204);
      intruder = next;
    }
    const events = (await owner.call<SecurityEvent[]>("GET", "/api/v1/security-events")).body;
    expect(events.length).toBeGreaterThan(100);
    expect(events.some((event) => event.kind === "device_paired" && event.deviceId === intruderId)).toBe(true);
    expect(events.some((event) => event.kind === "device_removed" && event.deviceId === intruderId)).toBe(true);
    expect(events.at(-1)).toMatchObject({ kind: "device_paired", deviceName: "Owner" });
  });
});

async function inviteFrom(device: TestDevice): Promise<string> {
  const invite = await device.call<InviteView>("POST", "/api/v1/invites");
  expect(invite.status).toBe(201);
  return invite.body.inviteCode;
}

describe("security event retention", () => {
  it("drops events past 180 days at the sweep and keeps younger ones", async () => {
    await start();
    const { device: owner } = await firstDevice("Owner");
    await TestDevice.pair(suite.app.url, { inviteCode: await inviteFrom(owner) }, "Tablet");
    const paired = Date.now();
    // The sweep a little under, then a little over, 180 days after the Owner's pairing.
    const sweepAt = (at: number) => sweepExpired({ ...suite.app.deps, clock: { now: () => at } });
    await sweepAt(paired + SECURITY_EVENT_RETENTION_MS - 60_000);
    expect((await suite.app.store.listSecurityEvents(10)).map((event) => event.deviceName)).toEqual([
      "Tablet",
      "Owner",
    ]);
    const tablet = (await suite.app.store.listSecurityEvents(1))[0]?.at ?? 0;
    await sweepAt(tablet + SECURITY_EVENT_RETENTION_MS + 1);
    expect(await suite.app.store.listSecurityEvents(10)).toEqual([]);
  });

  it("moves the events an older server kept in one setting into the log, once", async () => {
    await start();
    const { device: owner } = await firstDevice("Owner");
    const legacy = [
      { id: "old2", at: 2000, kind: "device_removed", message: "old 2", deviceId: "x", deviceName: "X" },
      { id: "old1", at: 1000, kind: "device_paired", message: "old 1", deviceId: "x", deviceName: "X" },
    ];
    await suite.app.store.setSetting("securityEvents", JSON.stringify(legacy));
    const events = (await owner.call<SecurityEvent[]>("GET", "/api/v1/security-events")).body;
    expect(events.map((event) => event.id).slice(-2)).toEqual(["old2", "old1"]);
    expect(await suite.app.store.getSetting("securityEvents")).toBeNull();
    expect((await owner.call<SecurityEvent[]>("GET", "/api/v1/security-events")).body).toHaveLength(events.length);
  });
});
