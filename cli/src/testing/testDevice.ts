import {
  type AccountView,
  type ApprovalView,
  type CreatedLink,
  createDeviceClient,
  type DeviceClient,
  type DeviceView,
  generateDeviceKey,
  generateTimedCodes,
  type TotpParams,
} from "@countersign/shared";
import { CompactEncrypt, importJWK } from "jose";

/** The phone, played from Node: every call signed with its own P-256 key by the app's own client. */
export class TestDevice {
  private constructor(
    private readonly client: DeviceClient,
    readonly id: string,
  ) {}

  static async pair(origin: string, setupCode: string): Promise<TestDevice> {
    const { privateKey, publicKeyJwk } = await generateDeviceKey();
    const pairing = createDeviceClient({ identity: { privateKey }, baseUrl: origin });
    const { id } = await pairing.send<DeviceView>("POST", "/api/v1/devices", {
      setupCode,
      name: "Test phone",
      publicKey: publicKeyJwk,
    });
    return new TestDevice(createDeviceClient({ identity: { deviceId: id, privateKey }, baseUrl: origin }), id);
  }

  /** A signed call; throws a DeviceApiError (status, server error code) unless it succeeded. */
  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.client.send<T>(method, path, body);
  }

  createAccount(issuer: string, label: string) {
    return this.call<AccountView>("POST", "/api/v1/accounts", { issuer, label });
  }

  createLink(accountId: string, name = "CI", policy?: Record<string, unknown>) {
    return this.call<CreatedLink>("POST", `/api/v1/accounts/${accountId}/links`, policy ? { name, policy } : { name });
  }

  revokeLink(linkId: string) {
    return this.call<unknown>("DELETE", `/api/v1/links/${linkId}`);
  }

  subscribePush(subscription: unknown) {
    return this.call<unknown>("PUT", "/api/v1/devices/me/push", subscription);
  }

  async pendingApprovals(): Promise<ApprovalView[]> {
    const result = await this.call<ApprovalView[] | { approvals: ApprovalView[] }>("GET", "/api/v1/approvals");
    return (Array.isArray(result) ? result : result.approvals).filter((approval) => approval.status === "pending");
  }

  /** Waits for the next pending approval, as the phone does after a notification. */
  async nextApproval(timeoutMs = 10_000): Promise<ApprovalView> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [first] = await this.pendingApprovals();
      if (first) return first;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("no approval arrived");
  }

  deny(requestId: string) {
    return this.call<unknown>("POST", `/api/v1/approvals/${requestId}/answer`, { decision: "deny" });
  }

  /** Approves with codes for now and the next step, encrypted to CI's key when it sent one. */
  async approve(approval: ApprovalView, params: TotpParams, options: { plaintext?: boolean } = {}) {
    const codes = await generateTimedCodes(params);
    return this.answerWithCodes(approval, codes, options);
  }

  /** Approves and covers the rest of the run CI offered: every step's code until the offer ends. */
  async approveRun(approval: ApprovalView, params: TotpParams) {
    if (!approval.run) throw new Error("this request offers no run");
    const now = Date.now();
    const runUntil = approval.createdAt + approval.run.seconds * 1000;
    const steps = Math.ceil((runUntil - now) / (params.period * 1000)) + 1;
    const codes = await generateTimedCodes(params, now, steps);
    return this.answerWithCodes(approval, codes, { runUntil });
  }

  /** Answers a passkey-page (web) request: the approver opened the registry's page. */
  open(approval: ApprovalView) {
    return this.call<unknown>("POST", `/api/v1/approvals/${approval.id}/answer`, { decision: "approve", opened: true });
  }

  private async answerWithCodes(
    approval: ApprovalView,
    codes: Awaited<ReturnType<typeof generateTimedCodes>>,
    options: { plaintext?: boolean; runUntil?: number },
  ) {
    if (!approval.publicKey || options.plaintext) {
      return this.call<unknown>("POST", `/api/v1/approvals/${approval.id}/answer`, { decision: "approve", codes });
    }
    const key = await importJWK({ ...approval.publicKey, alg: "ECDH-ES" }, "ECDH-ES");
    const payload = options.runUntil ? { codes, runUntil: options.runUntil } : { codes };
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM" })
      .encrypt(key);
    return this.call<unknown>("POST", `/api/v1/approvals/${approval.id}/answer`, {
      decision: "approve",
      jwe,
      ...(options.runUntil ? { runUntil: options.runUntil } : {}),
    });
  }
}
