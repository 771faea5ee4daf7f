import {
  type AccountView,
  type ApprovalView,
  type CreatedLink,
  createDeviceClient,
  type DeviceCallOptions,
  type DeviceClient,
  type DeviceReply,
  type DeviceView,
  generateDeviceKey,
  type PreparedDeviceRequest,
  readReply,
} from "@countersign/shared";

export type ApiResponse<T = unknown> = DeviceReply<T>;

/** A paired device driven from Node: signs every call with the app's own client. */
export class TestDevice {
  id = "";
  private readonly client: DeviceClient;
  private constructor(
    readonly origin: string,
    readonly privateKey: CryptoKey,
    readonly publicKeyJwk: JsonWebKey,
  ) {
    this.client = createDeviceClient({ identity: () => ({ deviceId: this.id, privateKey }), baseUrl: origin });
  }

  static async create(origin: string): Promise<TestDevice> {
    const key = await generateDeviceKey();
    return new TestDevice(origin, key.privateKey, key.publicKeyJwk);
  }

  /** Pairs with a setup code or invite code; throws unless it worked. */
  static async pair(origin: string, code: { setupCode: string } | { inviteCode: string }, name = "Phone") {
    const { device, response } = await TestDevice.tryPair(origin, code, name);
    if (response.status !== 201) throw new Error(`pairing failed: ${response.status} ${response.text}`);
    device.id = (response.body as DeviceView).id;
    return device;
  }

  /** A new key's attempt to pair with `code`: the server's answer, whatever its status, and the unpaired device. */
  static async tryPair(origin: string, code: Record<string, unknown>, name = "Phone") {
    const device = await TestDevice.create(origin);
    const response = await device.pairRaw({ ...code, name, publicKey: device.publicKeyJwk });
    return { device, response };
  }

  /** POST /api/v1/devices signed by this device's key, with any body. */
  async pairRaw(body: unknown): Promise<ApiResponse> {
    return this.call("POST", "/api/v1/devices", body, { deviceId: null });
  }

  /** Signs and sends; any status comes back as the response. */
  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options?: DeviceCallOptions,
  ): Promise<ApiResponse<T>> {
    return this.client.request<T>(method, path, body, options);
  }

  /** Adds the account `issuer: label` and a CI link named `linkName` for it; throws unless both are created. */
  async addAccountWithLink(
    linkName = "CI",
    issuer = "npm",
    label = "alice",
  ): Promise<CreatedLink & { account: AccountView }> {
    const account = await this.call<AccountView>("POST", "/api/v1/accounts", { issuer, label });
    if (account.status !== 201) throw new Error(`adding the account failed: ${account.status} ${account.text}`);
    const created = await this.call<CreatedLink>("POST", `/api/v1/accounts/${account.body.id}/links`, {
      name: linkName,
    });
    if (created.status !== 201) throw new Error(`creating the link failed: ${created.status} ${created.text}`);
    return { account: account.body, ...created.body };
  }

  /** Signs a call without sending it, for replaying or tampering with it. */
  prepare(method: string, path: string, body?: unknown, options?: DeviceCallOptions): Promise<PreparedDeviceRequest> {
    return this.client.prepare(method, path, body, options);
  }

  /** The first request waiting for this device's answer, polled until one appears (4 s at most). */
  async pendingApproval(): Promise<ApprovalView> {
    for (let i = 0; i < 200; i++) {
      const [first] = (await this.call<ApprovalView[]>("GET", "/api/v1/approvals")).body;
      if (first) return first;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error("no pending approval appeared");
  }

  /** Sends a prepared call as it is. */
  dispatch<T = unknown>(prepared: PreparedDeviceRequest): Promise<ApiResponse<T>> {
    return this.client.dispatch<T>(prepared);
  }
}

/** An unsigned call (CI's side, or no device at all). */
export async function send<T = unknown>(url: string, init: RequestInit = {}): Promise<ApiResponse<T>> {
  return readReply<T>(await fetch(url, init));
}
