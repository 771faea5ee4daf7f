import { type ErrorBody, signRequest } from "@countersign/shared";

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
 * A client for the relay's device API. Every call is signed with the device
 * key over method, path (with its query exactly as sent), timestamp, nonce and
 * body hash. Network failures come back as `{ok: false, error: "offline"}`.
 */
export function createApiClient(options: {
  identity: () => Promise<SigningIdentity | undefined>;
  fetch?: typeof fetch;
  baseUrl?: string;
}): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
      const identity = await options.identity();
      if (!identity) {
        return { ok: false, status: 0, error: "not_paired", message: "Pair this device with your server first." };
      }
      const text = body === undefined ? "" : JSON.stringify(body);
      const headers: Record<string, string> = await signRequest({
        privateKey: identity.privateKey,
        ...(identity.deviceId ? { deviceId: identity.deviceId } : {}),
        method,
        path,
        body: text,
      });
      if (text) headers["content-type"] = "application/json";
      let response: Response;
      try {
        response = await doFetch(`${options.baseUrl ?? ""}${path}`, {
          method,
          headers,
          ...(text ? { body: text } : {}),
          credentials: "omit",
          cache: "no-store",
        });
      } catch {
        return { ok: false, status: 0, error: "offline", message: "Cannot reach the server. Check your connection." };
      }
      const raw = await response.text();
      let parsed: unknown;
      try {
        parsed = raw ? JSON.parse(raw) : undefined;
      } catch {
        parsed = undefined;
      }
      if (response.ok) return { ok: true, status: response.status, data: parsed as T };
      const error = (parsed ?? {}) as Partial<ErrorBody> & Record<string, unknown>;
      return {
        ok: false,
        status: response.status,
        error: typeof error.error === "string" ? error.error : `http_${response.status}`,
        message: typeof error.message === "string" ? error.message : `The server answered ${response.status}.`,
        body: error,
      };
    },
  };
}
