import { type DeviceView, generateDeviceKey, signRequest } from "@countersign/shared";

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A paired device driven from Node: signs every call as the PWA does. */
export class TestDevice {
  id = "";
  private constructor(
    readonly origin: string,
    readonly privateKey: CryptoKey,
    readonly publicKeyJwk: JsonWebKey,
  ) {}

  static async create(origin: string): Promise<TestDevice> {
    const key = await generateDeviceKey();
    return new TestDevice(origin, key.privateKey, key.publicKeyJwk);
  }

  /** Pairs with a setup code or invite code; throws unless it worked. */
  static async pair(origin: string, code: { setupCode: string } | { inviteCode: string }, name = "Phone") {
    const device = await TestDevice.create(origin);
    const response = await device.pairRaw({ ...code, name, publicKey: device.publicKeyJwk });
    if (response.status !== 201) throw new Error(`pairing failed: ${response.status} ${response.text}`);
    device.id = (response.body as DeviceView).id;
    return device;
  }

  /** POST /api/v1/devices signed by this device's key, with any body. */
  async pairRaw(body: unknown): Promise<ApiResponse> {
    return this.call("POST", "/api/v1/devices", body, { deviceId: null });
  }

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: { deviceId?: string | null; now?: number; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<ApiResponse<T>> {
    const text = options.rawBody ?? (body === undefined ? "" : JSON.stringify(body));
    const deviceId = options.deviceId === undefined ? this.id : options.deviceId;
    const signed = await signRequest({
      privateKey: this.privateKey,
      ...(deviceId ? { deviceId } : {}),
      method,
      path,
      body: text,
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
    return send<T>(`${this.origin}${path}`, {
      method,
      headers: { ...signed, ...(text ? { "content-type": "application/json" } : {}), ...options.headers },
      ...(text ? { body: text } : {}),
    });
  }
}

export async function send<T = unknown>(url: string, init: RequestInit = {}): Promise<ApiResponse<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  if (response.headers.get("content-type")?.includes("application/json")) body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: body as T, text };
}
