import {
  type AccountView,
  type CreatedLink,
  createDeviceClient,
  type DeviceCallOptions,
  type DeviceClient,
  type DeviceReply,
  type DeviceView,
  generateDeviceKey,
  type InviteView,
  readReply,
} from "@countersign/shared";

export type Reply<T = unknown> = DeviceReply<T>;

/** An unsigned call (CI's side, or no device at all). */
export async function send<T = unknown>(url: string, init: RequestInit = {}): Promise<Reply<T>> {
  return readReply<T>(await fetch(url, init));
}

/** A paired device driven from Node: every call signed by the app's own client. */
export class Device {
  id = "";
  private readonly client: DeviceClient;
  private constructor(
    readonly origin: string,
    readonly privateKey: CryptoKey,
    readonly publicKeyJwk: JsonWebKey,
  ) {
    this.client = createDeviceClient({ identity: () => ({ deviceId: this.id, privateKey }), baseUrl: origin });
  }

  /** Pairs with the setup code or an invite code; throws unless it worked. */
  static async pair(origin: string, code: { setupCode: string } | { inviteCode: string }, name = "Phone") {
    const key = await generateDeviceKey();
    const device = new Device(origin, key.privateKey, key.publicKeyJwk);
    const reply = await device.call<DeviceView>(
      "POST",
      "/api/v1/devices",
      { ...code, name, publicKey: key.publicKeyJwk },
      { deviceId: null },
    );
    if (reply.status !== 201) throw new Error(`pairing failed: ${reply.status} ${reply.text}`);
    device.id = reply.body.id;
    return device;
  }

  /** Signs `method path body` and sends it; `rawBody` sends bytes other than JSON.stringify(body). */
  call<T = unknown>(method: string, path: string, body?: unknown, options?: DeviceCallOptions): Promise<Reply<T>> {
    return this.client.request<T>(method, path, body, options);
  }

  /** Signs the call now and returns the function that sends it (a benchmark times the phone's signing apart). */
  async prepare<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options?: DeviceCallOptions,
  ): Promise<() => Promise<Reply<T>>> {
    const prepared = await this.client.prepare(method, path, body, options);
    return () => this.client.dispatch<T>(prepared);
  }

  async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const reply = await this.call<T>(method, path, body);
    if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
    return reply.body;
  }

  async invite(name: string): Promise<Device> {
    const invite = await this.ok<InviteView>("POST", "/api/v1/invites");
    return Device.pair(this.origin, { inviteCode: invite.inviteCode }, name);
  }

  /** Creates (or joins) the account issuer/label. */
  account(label: string, issuer = "npm"): Promise<AccountView> {
    return this.ok<AccountView>("POST", "/api/v1/accounts", { issuer, label });
  }

  link(accountId: string, name = "CI"): Promise<CreatedLink> {
    return this.ok<CreatedLink>("POST", `/api/v1/accounts/${accountId}/links`, { name });
  }

  subscribe(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }): Promise<DeviceView> {
    return this.ok<DeviceView>("PUT", "/api/v1/devices/me/push", { ...subscription, expirationTime: null });
  }

  /** Approves with the given code for the current and next 30-s step. */
  async approve(requestId: string, otp: string, now = Date.now()): Promise<Reply> {
    return (await this.prepareApproval(requestId, otp, now))();
  }

  /** The approval, signed now, and the function that sends it. */
  prepareApproval(requestId: string, otp: string, now = Date.now()): Promise<() => Promise<Reply>> {
    return this.prepare("POST", `/api/v1/approvals/${requestId}/answer`, approvalBody(otp, now));
  }
}

export function approvalBody(otp: string, now = Date.now()) {
  const step = Math.floor(now / 30_000) * 30_000;
  return {
    decision: "approve",
    codes: [
      { otp, notBefore: step, notAfter: step + 30_000 },
      { otp, notBefore: step + 30_000, notAfter: step + 60_000 },
    ],
  };
}

/** CI asking for a code: POST /api/v1/otp with the Bearer token, JSON answer. */
export function askForCode(
  origin: string,
  token: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Reply<{ otp?: string; requestId?: string; error?: string }>> {
  return send(`${origin}/api/v1/otp`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, accept: "application/json", ...headers },
    body: JSON.stringify(body),
  });
}
