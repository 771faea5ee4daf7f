import {
  type AccountView,
  type AnswerBody,
  type ApprovalView,
  type CreatedLink,
  createDeviceClient,
  type DeviceClient,
  type DeviceView,
  generateDeviceKey,
  generateTimedCodes,
  type InviteView,
  type PushSubscriptionBody,
  type TotpParams,
} from "@countersign/shared";
import { CompactEncrypt, importJWK } from "jose";

/**
 * A paired device driven from Node: signs every call with its own P-256 key
 * through the app's own client. Used as "the other phone" and to set up state
 * fast, and as the phone of the CLI's integration tests.
 */
export class ApiDevice {
  private constructor(
    readonly origin: string,
    readonly id: string,
    readonly name: string,
    private readonly client: DeviceClient,
  ) {}

  /** Pairs with the server's one-time setup code or an invite code. */
  static async pair(origin: string, code: { setupCode: string } | { inviteCode: string }, name = "Test phone") {
    const { privateKey, publicKeyJwk } = await generateDeviceKey();
    const pairing = createDeviceClient({ identity: { privateKey }, baseUrl: origin });
    const { id } = await pairing.send<DeviceView>("POST", "/api/v1/devices", {
      ...code,
      name,
      publicKey: publicKeyJwk,
    });
    return new ApiDevice(
      origin,
      id,
      name,
      createDeviceClient({ identity: { deviceId: id, privateKey }, baseUrl: origin }),
    );
  }

  /** A signed call; throws a DeviceApiError (status, server error code and message) on a non-2xx answer. */
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

  subscribePush(subscription: PushSubscriptionBody) {
    return this.call<unknown>("PUT", "/api/v1/devices/me/push", subscription);
  }

  invite() {
    return this.call<InviteView>("POST", "/api/v1/invites");
  }

  async approvals(): Promise<ApprovalView[]> {
    const result = await this.call<ApprovalView[] | { approvals: ApprovalView[] }>("GET", "/api/v1/approvals");
    return Array.isArray(result) ? result : result.approvals;
  }

  async pendingApprovals(): Promise<ApprovalView[]> {
    return (await this.approvals()).filter((approval) => approval.status === "pending");
  }

  /** Waits until a pending approval shows up for this device, as the phone does after a notification. */
  async nextApproval(timeoutMs = 10_000): Promise<ApprovalView> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [first] = await this.pendingApprovals();
      if (first) return first;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("no approval arrived");
  }

  answer(requestId: string, body: AnswerBody) {
    return this.call<unknown>("POST", `/api/v1/approvals/${requestId}/answer`, body);
  }

  deny(requestId: string) {
    return this.answer(requestId, { decision: "deny" });
  }

  /**
   * Approves as the phone does: codes for now and the next step, as a JWE
   * when CI sent a key (in plain text with `plaintext`, as an older app would).
   */
  async approve(approval: ApprovalView, params: TotpParams, options: { plaintext?: boolean } = {}) {
    return this.answerWithCodes(approval, await generateTimedCodes(params), options);
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
    return this.answer(approval.id, { decision: "approve", opened: true });
  }

  private async answerWithCodes(
    approval: ApprovalView,
    codes: Awaited<ReturnType<typeof generateTimedCodes>>,
    options: { plaintext?: boolean; runUntil?: number },
  ) {
    if (!approval.publicKey || options.plaintext) return this.answer(approval.id, { decision: "approve", codes });
    const key = await importJWK({ ...approval.publicKey, alg: "ECDH-ES" }, "ECDH-ES");
    const payload = options.runUntil ? { codes, runUntil: options.runUntil } : { codes };
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM" })
      .encrypt(key);
    return this.answer(approval.id, {
      decision: "approve",
      jwe,
      ...(options.runUntil ? { runUntil: options.runUntil } : {}),
    });
  }
}

/** What CI gets back from one `POST /api/v1/otp`. */
export interface OtpResult {
  status: number;
  text: string;
  json: Record<string, unknown> | undefined;
  headers: Headers;
}

/** One CI request, as a promise: resolves when the long poll ends. */
export async function requestOtp(
  origin: string,
  token: string,
  body?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<OtpResult> {
  const response = await fetch(`${origin}/api/v1/otp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}
