import {
  type AccountView,
  type AnswerBody,
  type ApprovalView,
  type CreatedLink,
  type DeviceView,
  generateDeviceKey,
  generateTimedCodes,
  type InviteView,
  type PushSubscriptionBody,
  signRequest,
  type TotpParams,
} from "@countersign/shared";
import { CompactEncrypt, importJWK } from "jose";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string } & Record<string, unknown>,
  ) {
    super(`${status} ${body.error ?? ""}: ${body.message ?? ""}`);
  }
}

/**
 * A paired device driven from Node: signs every call with its own P-256 key,
 * exactly as the PWA does. Used as "the other phone" and to set up state fast.
 */
export class ApiDevice {
  private constructor(
    readonly origin: string,
    readonly id: string,
    readonly name: string,
    private readonly privateKey: CryptoKey,
  ) {}

  /** Pairs with the server's one-time setup code or an invite code. */
  static async pair(origin: string, code: { setupCode: string } | { inviteCode: string }, name = "Test phone") {
    const { privateKey, publicKeyJwk } = await generateDeviceKey();
    const body = JSON.stringify({ ...code, name, publicKey: publicKeyJwk });
    const path = "/api/v1/devices";
    const headers = await signRequest({ privateKey, method: "POST", path, body });
    const response = await fetch(origin + path, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    });
    const json = (await response.json()) as { device?: DeviceView; id?: string };
    if (!response.ok) throw new ApiError(response.status, json as Record<string, unknown>);
    const id = json.device?.id ?? json.id;
    if (!id) throw new Error(`pairing answered without a device id: ${JSON.stringify(json)}`);
    return new ApiDevice(origin, id, name, privateKey);
  }

  /** A signed call; throws ApiError on a non-2xx answer. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = await signRequest({ privateKey: this.privateKey, deviceId: this.id, method, path, body: text });
    const response = await fetch(this.origin + path, {
      method,
      headers: text === undefined ? headers : { ...headers, "content-type": "application/json" },
      body: text,
    });
    const raw = await response.text();
    const json = raw ? JSON.parse(raw) : undefined;
    if (!response.ok) throw new ApiError(response.status, json ?? {});
    return json as T;
  }

  createAccount(issuer: string, label: string) {
    return this.call<AccountView>("POST", "/api/v1/accounts", { issuer, label });
  }

  createLink(accountId: string, name = "CI") {
    return this.call<CreatedLink>("POST", `/api/v1/accounts/${accountId}/links`, { name });
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

  /** Waits until a pending approval shows up for this device. */
  async nextApproval(timeoutMs = 10_000): Promise<ApprovalView> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pending = (await this.approvals()).filter((approval) => approval.status === "pending");
      if (pending[0]) return pending[0];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("no approval arrived");
  }

  answer(requestId: string, body: AnswerBody) {
    return this.call<unknown>("POST", `/api/v1/approvals/${requestId}/answer`, body);
  }

  /** Approves as the phone does: codes for now and the next step, as a JWE when CI sent a key. */
  async approve(approval: ApprovalView, params: TotpParams) {
    const codes = await generateTimedCodes(params);
    if (!approval.publicKey) return this.answer(approval.id, { decision: "approve", codes });
    const key = await importJWK({ ...approval.publicKey, alg: "ECDH-ES" }, "ECDH-ES");
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ codes })))
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM" })
      .encrypt(key);
    return this.answer(approval.id, { decision: "approve", jwe });
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
