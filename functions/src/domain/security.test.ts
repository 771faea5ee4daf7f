import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateDeviceKey, signRequest } from "@countersign/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Deps } from "../deps.js";
import type { AppError } from "../errors.js";
import { dataDirWarning, prepareDataDir } from "../standalone/startServer.js";
import { SqliteStore } from "../store/SqliteStore.js";
import type { DeviceRecord } from "../store/Store.js";
import { createDomainFixture, type DomainFixture, expectAppError } from "../testing/domainDeps.js";
import { createAccount, deleteAccount, listAccounts, recordInviter, updateAccount } from "./accounts.js";
import { answerApproval, listApprovals } from "./approvals.js";
import { ensureSetupCode, pairDevice, removeDevice, setupCodeWeakness } from "./devices.js";
import { createLink, listLinks, revokeLink, updateLink, widensLink } from "./links.js";
import { listHistory } from "./listHistory.js";
import { MAX_RECOVERY_ATTEMPTS, recoverDevice } from "./recovery.js";
import { awaitOtp, type OtpCall, requestOtp } from "./requestOtp.js";
import { listSecurityEvents } from "./securityEvents.js";

/** Regressions for the holes of issue 18: each test here failed before its fix. */

const T0 = Date.UTC(2026, 10, 22, 6, 0, 10);
let fixture: DomainFixture;
let dir: string;
let deps: Deps;
let now: number;
let sent: DomainFixture["sent"];

beforeEach(() => {
  now = T0;
  fixture = createDomainFixture(() => now, "countersign-security-");
  ({ deps, dir, sent } = fixture);
});
afterEach(() => fixture.dispose());

const expectError = expectAppError;

async function newDevice(name: string): Promise<DeviceRecord> {
  const device: DeviceRecord = {
    id: `dev-${name}`,
    name,
    publicKey: { kty: "EC", crv: "P-256", x: "x".repeat(43), y: "y".repeat(43) },
    createdAt: now,
    lastSeenAt: null,
    push: { endpoint: `https://fcm.googleapis.com/${name}`, keys: { p256dh: "p", auth: "a" } },
  };
  await deps.store.createDevice(device);
  return device;
}

async function seed() {
  const device = await newDevice("Pixel");
  const { account } = await createAccount(deps, device, { issuer: "npm", label: "alice" });
  const { token, link } = await createLink(deps, device, account.id, "CI");
  return { device, account, token, link };
}

const ask = (token: string, body: OtpCall["body"] = {}, idempotencyKey: string | null = null): OtpCall => ({
  token,
  body,
  idempotencyKey,
  ip: "203.0.113.9",
  userAgent: null,
});

const key = (c: string) => ({ kty: "EC", crv: "P-256", x: c.repeat(43), y: c.repeat(43) }) as const;

describe("1. a join never changes who can read the answer", () => {
  it("refuses a retry whose publicKey, package or context differ from the request it would join", async () => {
    const { token } = await seed();
    const job = { package: { name: "foo", version: "1.2.3" }, context: { repository: "acme/foo" } };
    // The attacker (leaked link, guessed key) creates the request first, with its own key.
    const planted = await requestOtp(deps, ask(token, { ...job, publicKey: key("a") }, "run-42"));
    const stolen = await expectError(
      requestOtp(deps, ask(token, { ...job, publicKey: key("b") }, "run-42")),
      "conflict",
    );
    expect(stolen.requestId).toBe(planted.id);
    await expectError(requestOtp(deps, ask(token, job, "run-42")), "conflict");
    await expectError(
      requestOtp(
        deps,
        ask(token, { ...job, publicKey: key("a"), package: { name: "foo", version: "9.9.9" } }, "run-42"),
      ),
      "conflict",
    );
    await expectError(
      requestOtp(deps, ask(token, { ...job, publicKey: key("a"), context: { repository: "acme/bar" } }, "run-42")),
      "conflict",
    );
    // Without a key on the first call, a retry that adds one does not join either.
    const plain = await requestOtp(deps, ask(token, job, "run-43"));
    await expectError(requestOtp(deps, ask(token, { ...job, publicKey: key("a") }, "run-43")), "conflict");
    // The same call, JWK extras and key order aside, still joins: one notification each.
    const retry = await requestOtp(
      deps,
      ask(token, { context: { repository: "acme/foo" }, package: { version: "1.2.3", name: "foo" } }, "run-43"),
    );
    expect(retry.id).toBe(plain.id);
    const same = await requestOtp(deps, ask(token, { ...job, publicKey: { ...key("a"), ext: true } }, "run-42"));
    expect(same.id).toBe(planted.id);
    expect(sent.filter((s) => s.payload.type === "approval")).toHaveLength(2);
  });
});

describe("6. revoking or pausing a link cancels its waiting requests", () => {
  const closed = (requestId: string) =>
    sent.some(
      (s) => s.payload.type === "answered" && s.payload.requestId === requestId && s.payload.status === "expired",
    );

  it("revoking: the request leaves the phone, the waiting call gets 401 with the reason, History says so", async () => {
    const { device, account, token, link } = await seed();
    const request = await requestOtp(deps, ask(token));
    const waiting = expectError(awaitOtp(deps, request, 5), "unauthorized");
    await revokeLink(deps, device, link.id);
    expect((await waiting).message).toMatch(/revoked/);
    expect(await listApprovals(deps, device)).toEqual([]);
    expect(closed(request.id)).toBe(true);
    await expectError(answerApproval(deps, device, request.id, { decision: "deny" }), "expired");
    expect((await listHistory(deps, device, account.id))[0]).toMatchObject({
      outcome: "expired",
      message: expect.stringMatching(/link was revoked/),
    });
  });

  it("pausing (in Links, or Deny and pause on another request) cancels the link's other requests: 403", async () => {
    const { device, token, link } = await seed();
    const first = await requestOtp(deps, ask(token));
    const waiting = expectError(awaitOtp(deps, first, 5), "denied");
    await updateLink(deps, device, link.id, { paused: true });
    expect((await waiting).message).toMatch(/paused/);
    expect(await listApprovals(deps, device)).toEqual([]);
    await updateLink(deps, device, link.id, { paused: false });
    const [a, b] = [await requestOtp(deps, ask(token)), await requestOtp(deps, ask(token))];
    await answerApproval(deps, device, a.id, { decision: "deny", pauseLink: true });
    expect(await listApprovals(deps, device)).toEqual([]);
    await expectError(awaitOtp(deps, b, 0), "denied");
    expect(closed(b.id)).toBe(true);
  });

  it("deleting the account cancels its requests", async () => {
    const { device, account, token } = await seed();
    const request = await requestOtp(deps, ask(token));
    await deleteAccount(deps, device, account.id);
    await expectError(awaitOtp(deps, request, 0), "unauthorized");
    expect(closed(request.id)).toBe(true);
  });
});

describe("5. holding an account is granted, not claimed", () => {
  it("a device that names another's account (issuer and label) gets none of it", async () => {
    const { account, token, link } = await seed();
    const intruder = await newDevice("Intruder");
    const claim = await expectError(createAccount(deps, intruder, { issuer: "npm", label: "alice" }), "conflict");
    expect(claim.message).toMatch(/Another device already holds npm: alice/);
    expect(await listAccounts(deps, intruder)).toEqual([]);
    expect((await deps.store.getAccount(account.id))?.deviceIds).toEqual(["dev-Pixel"]);
    const request = await requestOtp(deps, ask(token));
    expect(sent.filter((s) => s.to.endsWith("/Intruder"))).toEqual([]);
    await expectError(answerApproval(deps, intruder, request.id, { decision: "deny" }), "forbidden");
    await expectError(listHistory(deps, intruder, account.id), "forbidden");
    await expectError(listLinks(deps, intruder, account.id), "forbidden");
    await expectError(createLink(deps, intruder, account.id, "mine"), "forbidden");
    await expectError(updateLink(deps, intruder, link.id, { policy: null }), "forbidden");
    await expectError(revokeLink(deps, intruder, link.id), "forbidden");
    await expectError(updateAccount(deps, intruder, account.id, { label: "mallory" }), "forbidden");
    await expectError(deleteAccount(deps, intruder, account.id), "forbidden");
  });

  it("a device invited by a holder may join the account", async () => {
    const { device, account } = await seed();
    const tablet = await newDevice("Tablet");
    await recordInviter(deps, tablet.id, device.id);
    const joined = await createAccount(deps, tablet, { issuer: "npm", label: "alice" });
    expect(joined.account).toMatchObject({ id: account.id, deviceIds: [device.id, tablet.id] });
    expect(await listAccounts(deps, tablet)).toHaveLength(1);
  });

  it("an account whose last holder is removed refuses CI with a clear message and cancels what waits", async () => {
    const { device, token } = await seed();
    const request = await requestOtp(deps, ask(token));
    const waiting = expectError(awaitOtp(deps, request, 5), "forbidden");
    await removeDevice(deps, device, device.id);
    expect((await waiting).message).toMatch(/No device holds this link's account/);
    const refused = await expectError(requestOtp(deps, ask(token)), "forbidden");
    expect(refused.message).toMatch(/nobody can be asked/);
    // Naming it again creates a new account: the orphan's links stay refused.
    const again = await createAccount(deps, await newDevice("New"), { issuer: "npm", label: "alice" });
    expect(again.created).toBe(true);
    await expectError(requestOtp(deps, ask(token)), "forbidden");
  });
});

describe("9. secrets on disk are the owner's alone", () => {
  const mode = (path: string) => statSync(path).mode & 0o777;

  it("creates the data directory 0700 and the database, its WAL and SHM 0600", async () => {
    const dataDir = join(dir, "fresh", "data");
    prepareDataDir(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    expect(dataDirWarning(dataDir)).toBeNull();
    const store = SqliteStore.open(dataDir);
    await store.setSetting("k", "v");
    const files = readdirSync(dataDir).filter((f) => f.startsWith("countersign.db"));
    expect(files.sort()).toEqual(["countersign.db", "countersign.db-shm", "countersign.db-wal"]);
    for (const file of files) expect(mode(join(dataDir, file)), file).toBe(0o600);
    await store.close();
  });

  it("tightens database files an older version left readable, and warns about a wide directory", async () => {
    const dataDir = join(dir, "old");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const first = SqliteStore.open(dataDir);
    await first.close();
    chmodSync(join(dataDir, "countersign.db"), 0o644);
    const store = SqliteStore.open(dataDir);
    expect(mode(join(dataDir, "countersign.db"))).toBe(0o600);
    await store.close();
    expect(dataDirWarning(dataDir)).toMatch(/open to other users \(mode 755\).*chmod 700/);
  });

  it("keeps only the setup code's hash, and refuses a preset weaker than a generated code", async () => {
    const code = await ensureSetupCode(deps);
    await deps.store.close();
    const raw = readdirSync(dir)
      .filter((f) => f.startsWith("countersign.db"))
      .map((f) => readFileSync(join(dir, f)).toString("latin1"))
      .join("");
    expect(code).toBeTruthy();
    expect(raw).not.toContain(code);
    expect(raw).not.toContain((code ?? "").replace(/-/g, ""));
    deps.store = SqliteStore.open(dir);
    for (const weak of ["TEST-1234", "S", "CLI-0A1B2C3D", "123456789012345678", "AAAA-AAAA-AAAA-AAAA"]) {
      expect(setupCodeWeakness(weak), weak).toMatch(/too weak/);
      await expect(ensureSetupCode(deps, weak)).rejects.toThrow(/COUNTERSIGN_SETUP_CODE is too weak/);
    }
    expect(setupCodeWeakness("K7QF-2MZD-9XWB-4HNT")).toBeNull();
    expect(setupCodeWeakness("E2E-0A1B2C3D4E5F60718293")).toBeNull();
  });
});

describe("3. per-link limits hold under concurrent calls", () => {
  it("of 12 simultaneous calls on a link allowing 3 pending requests, 3 are created and 9 refused", async () => {
    const { device, token } = await seed();
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => requestOtp(deps, ask(token))));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as AppError] : []));
    expect(refused.map((e) => e.code)).toEqual(Array(9).fill("rate_limited"));
    expect(await listApprovals(deps, device)).toHaveLength(3);
  });

  it("of 10 simultaneous calls on a link allowing 4 an hour, 4 are created", async () => {
    deps.config.maxRequestsPerLinkPerHour = 4;
    deps.config.maxPendingPerLink = 100;
    const { device, token } = await seed();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => requestOtp(deps, ask(token))));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(4);
    expect(await listApprovals(deps, device)).toHaveLength(4);
  });
});

describe("4. which link changes widen who can cause a prompt", () => {
  it("any policy change and resuming widen; renaming, pausing and keeping the policy do not", async () => {
    const { link } = await seed();
    const policy = { issuer: "https://token.actions.githubusercontent.com", repository: "acme/rocket" };
    const guarded = { ...link, policy } as typeof link;
    expect(widensLink(guarded, { policy: null })).toBe(true);
    expect(widensLink(guarded, { policy: { ...policy, repository: "acme/other" } } as never)).toBe(true);
    expect(widensLink(link, { policy } as never)).toBe(true);
    expect(widensLink({ ...link, paused: true }, { paused: false })).toBe(true);
    expect(widensLink(guarded, { policy } as never)).toBe(false);
    expect(widensLink(link, { paused: true })).toBe(false);
    expect(widensLink(link, { paused: false })).toBe(false);
    expect(widensLink(link, {})).toBe(false);
  });
});

describe("2. nobody can lock the owner out of recovery", () => {
  /** A signed pairing or recovery call, as a new phone makes it. */
  async function signed(path: string, fields: Record<string, string>) {
    const key = await generateDeviceKey();
    const body = JSON.stringify({ ...fields, name: "New phone", publicKey: key.publicKeyJwk });
    const headers = await signRequest({ privateKey: key.privateKey, method: "POST", path, body, now });
    return { call: { method: "POST", path, headers, body: new TextEncoder().encode(body) }, body: JSON.parse(body) };
  }

  async function firstPhone(): Promise<string> {
    const setupCode = (await ensureSetupCode(deps)) ?? "";
    const { call, body } = await signed("/api/v1/devices", { setupCode });
    return (await pairDevice(deps, call, body)).recoveryCode ?? "";
  }

  const attempt = async (recoveryCode: string, ip: string) => {
    const { call, body } = await signed("/api/v1/recovery", { recoveryCode });
    return recoverDevice(deps, call, body, ip);
  };

  it("a stranger's wrong attempts use up only their own budget; the owner recovers from elsewhere", async () => {
    const recoveryCode = await firstPhone();
    for (let i = 0; i < MAX_RECOVERY_ATTEMPTS; i++) {
      await expectError(attempt("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "198.51.100.7"), "unauthorized");
    }
    // The stranger, with a fresh key, is refused from that address; other addresses are not.
    await expectError(attempt("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "198.51.100.7"), "rate_limited");
    const recovered = await attempt(recoveryCode, "203.0.113.20");
    expect(recovered.device.name).toBe("New phone");
  });

  it("counts wrong attempts against the code and tells the devices at the 1st and 10th", async () => {
    await firstPhone();
    for (let i = 0; i < 10; i++) {
      // A second apart: events are listed newest first, by time.
      now += 1000;
      await expectError(attempt("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", `198.51.100.${i}`), "unauthorized");
    }
    const failed = (await listSecurityEvents(deps)).filter((e) => e.kind === "recovery_failed");
    expect(failed.map((e) => e.message)).toEqual([
      expect.stringMatching(/10 so far against the current code; the last from 198\.51\.100\.9/),
      expect.stringMatching(/1 so far/),
    ]);
  });
});

describe("8. refused calls cannot flood the history away", () => {
  it("500 refused calls in a minute are one counted row; the real request stays in sight", async () => {
    const { device, account, token, link } = await seed();
    const real = await requestOtp(deps, ask(token));
    await answerApproval(deps, device, real.id, { decision: "deny", pauseLink: true });
    for (let i = 0; i < 500; i++) await expectError(requestOtp(deps, ask(token)), "denied");
    now += 60_000;
    for (let i = 0; i < 3; i++) await expectError(requestOtp(deps, ask(token)), "denied");
    const history = await listHistory(deps, device, account.id, 100);
    const refusals = history.filter((e) => e.requestId === null);
    expect(refusals.map((e) => [e.outcome, e.count])).toEqual([
      ["paused", 3],
      ["paused", 500],
    ]);
    expect(history.find((e) => e.requestId === real.id)).toMatchObject({ outcome: "denied", linkId: link.id });
  });
});
