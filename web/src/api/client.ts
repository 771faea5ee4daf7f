import { createDeviceClient, DeviceApiError, isSuccess } from "@countersign/shared";

/** The outcome of an API call: data, or the server's error as a value. */
export type ApiResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; error: string; message: string; body?: Record<string, unknown> };

export interface SigningIdentity {
  privateKey: CryptoKey;
  /** Absent only for the pairing call. */
  deviceId?: string;
}

export interface ApiClient {
  call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>>;
}

/**
 * The relay's device API for the app: the shared signing client, with every
 * failure returned as a value (`offline` when the network failed, `not_paired`
 * before pairing) so screens never catch.
 */
export function createApiClient(options: {
  identity: () => Promise<SigningIdentity | undefined>;
  fetch?: typeof fetch;
  baseUrl?: string;
}): ApiClient {
  const client = createDeviceClient({
    identity: options.identity,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    // The signature is the call's only authentication; the server sets and reads no cookie. Not
    // "omit": a browser keeps the connections of calls without credentials apart from the page's
    // (Chromium's privacy-mode sockets), so the first call would wait for a connection (and on https
    // a TLS handshake) of its own instead of taking one the page's scripts left idle. A sign-in
    // proxy in front of the server (its cookie) sees the calls as it sees the page.
    fetchOptions: { credentials: "same-origin", cache: "no-store" },
  });
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
      try {
        const reply = await client.request<T>(method, path, body);
        if (isSuccess(reply)) return { ok: true, status: reply.status, data: reply.body };
        return failure(DeviceApiError.fromReply(reply));
      } catch (error) {
        if (error instanceof DeviceApiError) return failure(error);
        throw error;
      }
    },
  };
}

function failure(error: DeviceApiError): ApiResult<never> {
  return { ok: false, status: error.status, error: error.code, message: error.serverMessage, body: error.body };
}
