import type { TotpParams } from "@countersign/shared";
import { generateTotp } from "@countersign/shared";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { npmPublish } from "../../../e2e/helpers/registryOperations.js";
import { createEphemeralKey } from "../codes/createEphemeralKey.js";
import { resolveLink } from "../link/resolveLink.js";
import type { Reporter } from "../output/createReporter.js";
import { createPhoneSecondFactor } from "../relay/createPhoneSecondFactor.js";
import type { RegistryOperation } from "../relay/readOperation.js";
import type { Upstream } from "../relay/startRegistryRelay.js";
import { type PairedPhone, startPairedPhone } from "../testing/pairedPhone.js";
import { startHttpServer } from "../testing/startHttpServer.js";

/**
 * The relay's second factor against the real Countersign server, with a
 * test device answering through the signed device API: when the phone is
 * asked, what it is shown, and when a code in hand spares it a tap.
 */

const TOTP: TotpParams = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 };

function publishOf(name: string, version: string): RegistryOperation {
  return npmPublish(name, version, { tag: "latest" });
}

function quietReporter(lines: string[] = []): Reporter {
  return {
    info: (message) => lines.push(message),
    warn: (message) => lines.push(message),
    debug: () => {},
    startWaiting: () => {},
    stopWaiting: () => {},
  };
}

describe("the phone as the registry relay's second factor", () => {
  let phone: PairedPhone;
  let device: PairedPhone["device"];
  let accountId: string;
  const npmjs: Upstream = { url: new URL("https://registry.npmjs.org/"), credential: { kind: "none" } };

  beforeAll(async () => {
    phone = await startPairedPhone("wile");
    ({ device, accountId } = phone);
  }, 30_000);

  afterAll(async () => {
    await phone?.close();
  });

  async function factorFor(options: { runSeconds?: number; now?: () => number; waitSeconds?: number } = {}) {
    const { url } = await device.createLink(accountId, `CI ${Math.random().toString(36).slice(2, 8)}`);
    const resolved = resolveLink({ url });
    if (!resolved.ok) throw new Error(resolved.failure.message);
    const lines: string[] = [];
    const factor = createPhoneSecondFactor({
      link: resolved.link,
      body: { context: { repository: "acme/rocket" } },
      key: await createEphemeralKey(),
      waitSeconds: options.waitSeconds ?? 20,
      runSeconds: options.runSeconds ?? 0,
      reporter: quietReporter(lines),
      userAgent: "countersign-cli/test",
      now: options.now,
    });
    return { factor, lines };
  }

  /** The relay asking for a code (an OTP challenge) to publish `name`@`version` to npmjs. */
  function askCode(
    factor: ReturnType<typeof createPhoneSecondFactor>,
    name: string,
    version: string,
    more: { refusedOtp?: string } = {},
  ) {
    return factor.answer({ challenge: { type: "otp" }, operation: publishOf(name, version), upstream: npmjs, ...more });
  }

  it("asks once with what the registry was asked, then reuses the code while it is valid", async () => {
    const { factor } = await factorFor();
    const first = askCode(factor, "rocket", "1.0.0");
    const approval = await device.nextApproval();
    expect(approval.operation).toMatchObject({ action: "publish", package: { name: "rocket", version: "1.0.0" } });
    expect(approval.challenge).toEqual({ type: "otp" });
    await device.approve(approval, TOTP);
    const answer = await first;
    expect(answer).toEqual({ kind: "otp", otp: await generateTotp(TOTP, Date.now()) });

    expect(factor.codeInHand(npmjs)).toBe(answer.kind === "otp" ? answer.otp : null);
    const second = await askCode(factor, "booster", "1.0.0");
    expect(second).toEqual(answer);
    expect(factor.prompts()).toBe(1);
    expect(await device.pendingApprovals()).toEqual([]);
  });

  it("asks again when the registry refused the code in hand", async () => {
    const { factor } = await factorFor();
    const first = askCode(factor, "rocket", "2.0.0");
    await device.approve(await device.nextApproval(), TOTP);
    const answer = await first;
    if (answer.kind !== "otp") throw new Error("no code");
    const again = askCode(factor, "rocket", "2.0.0", { refusedOtp: answer.otp });
    const approval = await device.nextApproval();
    await device.deny(approval.id);
    expect(await again).toMatchObject({ kind: "refused", status: 403 });
    expect(factor.prompts()).toBe(2);
  });

  it("covers the rest of the run when the approver says so: a later challenge past the code's life needs no tap", async () => {
    let clock = Date.now();
    const { factor, lines } = await factorFor({ runSeconds: 300, now: () => clock });
    const first = askCode(factor, "a", "1.0.0");
    const approval = await device.nextApproval();
    expect(approval.run).toEqual({ seconds: 300 });
    await device.approveRun(approval, TOTP);
    expect((await first).kind).toBe("otp");

    clock += 150_000;
    const later = await askCode(factor, "c", "1.0.0");
    expect(later).toEqual({ kind: "otp", otp: await generateTotp(TOTP, clock) });
    expect(factor.prompts()).toBe(1);
    expect(lines.join("\n")).toMatch(/codes for the rest of this run until \d\d:\d\d UTC/);
  });

  it("without the run approved, a challenge after the code's life rings the phone again", async () => {
    let clock = Date.now();
    const { factor } = await factorFor({ runSeconds: 300, now: () => clock });
    const first = askCode(factor, "a", "2.0.0");
    await device.approve(await device.nextApproval(), TOTP);
    await first;
    clock += 150_000;
    const later = askCode(factor, "b", "2.0.0");
    const approval = await device.nextApproval();
    expect(approval.operation?.package).toEqual({ name: "b", version: "2.0.0" });
    await device.deny(approval.id);
    await later;
    expect(factor.prompts()).toBe(2);
  });

  it("after a denial the run asks no more and says why", async () => {
    const { factor } = await factorFor();
    const first = askCode(factor, "d", "1.0.0");
    await device.deny((await device.nextApproval()).id);
    expect(await first).toMatchObject({ kind: "refused", status: 403 });
    expect(factor.failure()).toMatchObject({ kind: "denied" });
    const next = await askCode(factor, "e", "1.0.0");
    expect(next).toMatchObject({ kind: "refused", message: expect.stringContaining("not asking again") });
    expect(factor.prompts()).toBe(1);
    expect(await device.pendingApprovals()).toEqual([]);
  });

  describe("a passkey (web) challenge", () => {
    /** The registry's doneUrl as npm's registry speaks it: 202 + Retry-After until the passkey is used. */
    async function webRegistry() {
      let done = false;
      const polls: (string | undefined)[] = [];
      const server = await startHttpServer((request, response) => {
        polls.push(request.headers.authorization);
        if (!done) {
          response.writeHead(202, { "retry-after": "1", "content-type": "application/json" });
          response.end("{}");
          return;
        }
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ token: "web-otp-token" }));
      });
      const upstream: Upstream = { url: new URL(`${server.origin}/`), credential: { kind: "bearer", token: "npm_x" } };
      const challenge = {
        type: "web" as const,
        authUrl: `${server.origin}/auth/cli/0c4f-secret`,
        doneUrl: `${server.origin}/-/v1/done?authId=0c4f-secret`,
      };
      /** The relay asking the phone for `name`@1.0.0's publish with this registry's challenge. */
      const ask = (factor: ReturnType<typeof createPhoneSecondFactor>, name: string) =>
        factor.answer({ challenge, operation: publishOf(name, "1.0.0"), upstream });
      return { server, upstream, challenge, polls, finish: () => (done = true), ask };
    }

    let web: Awaited<ReturnType<typeof webRegistry>>;
    beforeEach(async () => {
      web = await webRegistry();
    });
    afterEach(async () => {
      await web.server.close();
    });

    it("asks the phone to open the registry's page and retries with the registry's token", async () => {
      const { factor, lines } = await factorFor({ runSeconds: 300 });
      const answer = web.ask(factor, "p");
      const approval = await device.nextApproval();
      expect(approval.challenge).toEqual({ type: "web", authUrl: web.challenge.authUrl });
      expect(approval.run).toBeNull();
      await device.open(approval);
      web.finish();
      expect(await answer).toEqual({ kind: "otp", otp: "web-otp-token" });
      expect(web.polls.every((authorization) => authorization === "Bearer npm_x")).toBe(true);
      expect(lines.join("\n")).not.toContain("0c4f-secret");
    });

    it("takes the question off the phone when the passkey was used before the phone answered", async () => {
      const { factor } = await factorFor();
      const answer = web.ask(factor, "q");
      const approval = await device.nextApproval();
      web.finish();
      expect(await answer).toEqual({ kind: "otp", otp: "web-otp-token" });
      expect(await device.pendingApprovals()).toEqual([]);
      const after = await device.call<{ status: string }>("GET", `/api/v1/approvals/${approval.id}`);
      expect(after.status).toBe("expired");
    });

    it("stops polling and refuses when the phone denies", async () => {
      const { factor } = await factorFor();
      const answer = web.ask(factor, "r");
      await device.deny((await device.nextApproval()).id);
      expect(await answer).toMatchObject({ kind: "refused", status: 403 });
      expect(factor.failure()).toMatchObject({ kind: "denied" });
      const polled = web.polls.length;
      // Not synchronisation: an absence check, long enough to span the registry's next poll.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(web.polls.length).toBe(polled);
    });

    it("never offers a page off the registry's site", async () => {
      const { factor } = await factorFor();
      const answer = await factor.answer({
        challenge: { ...web.challenge, authUrl: "https://evil.example/auth/cli/1" },
        operation: publishOf("s", "1.0.0"),
        upstream: web.upstream,
      });
      expect(answer).toMatchObject({ kind: "refused", message: expect.stringContaining("evil.example") });
      expect(factor.prompts()).toBe(0);
      expect(web.polls).toEqual([]);
    });
  });
});
