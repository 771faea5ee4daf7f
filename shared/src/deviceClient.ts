import { type RequestSigner, signRequest } from "./signing.js";

/**
 * Who signs: the device id (absent only on the pairing call, which is signed
 * by the key it registers) and either the device's P-256 private key (a
 * WebCrypto `CryptoKey`, non-extractable in the PWA) or a function that signs,
 * for keys WebCrypto does not hold (e.g. a node:crypto `KeyObject`).
 */
export type DeviceIdentity = { deviceId?: string } & ({ privateKey: CryptoKey } | { sign: RequestSigner });

/** A device call signed and ready to send, unchanged or altered (tests replay and tamper with it). */
export interface PreparedDeviceRequest {
  method: string;
  /** Path and query exactly as signed. */
  path: string;
  /** `baseUrl` + `path`. */
  url: string;
  headers: Record<string, string>;
  /** The exact body bytes signed; absent for none. */
  body?: string;
}

/** An answer as it came, whatever its status. */
export interface DeviceReply<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the server said JSON, else the text; undefined when empty. */
  body: T;
  text: string;
}

export interface DeviceCallOptions {
  /** Signs as this device id instead of the identity's; `null` signs with no id (the pairing call). */
  deviceId?: string | null;
  /** The signing time in ms since the epoch; default now. */
  now?: number;
  /** Sends these bytes instead of `JSON.stringify(body)`. */
  rawBody?: string;
  /** Extra headers, sent after (and so over) the signed ones. */
  headers?: Record<string, string>;
}

/**
 * A device call that did not succeed: the server's answer (`status`, its
 * `code` and `message`, the parsed `body`), or status 0 with code `offline`
 * (no answer) or `not_paired` (no identity to sign with).
 */
export class DeviceApiError extends Error {
  override readonly name = "DeviceApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly body: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(`${status ? `${status} ` : ""}${code}: ${serverMessage}`, options);
  }

  /** The error a non-2xx reply stands for: the server's `error` and `message`, or ones named after the status. */
  static fromReply(reply: DeviceReply): DeviceApiError {
    const body = (typeof reply.body === "object" && reply.body !== null ? reply.body : {}) as Record<string, unknown>;
    return new DeviceApiError(
      reply.status,
      typeof body.error === "string" ? body.error : `http_${reply.status}`,
      typeof body.message === "string" ? body.message : `The server answered ${reply.status}.`,
      body,
    );
  }
}

/** Whether a reply is a success (2xx). */
export const isSuccess = (reply: DeviceReply): boolean => reply.status >= 200 && reply.status < 300;

export interface DeviceClient {
  /** Signs a call without sending it. */
  prepare(method: string, path: string, body?: unknown, options?: DeviceCallOptions): Promise<PreparedDeviceRequest>;
  /** Sends a prepared call as it is; throws {@link DeviceApiError} only when no answer came. */
  dispatch<T = unknown>(prepared: PreparedDeviceRequest): Promise<DeviceReply<T>>;
  /** Signs and sends; any status comes back as a reply. */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options?: DeviceCallOptions,
  ): Promise<DeviceReply<T>>;
  /** Signs and sends; returns the parsed body of a 2xx answer, throws {@link DeviceApiError} otherwise. */
  send<T = unknown>(method: string, path: string, body?: unknown, options?: DeviceCallOptions): Promise<T>;
}

/**
 * The one client for the relay's device API, in the PWA and in Node: every
 * call signed (see `signRequest`) over method, path with its query, timestamp,
 * a fresh nonce and the body.
 *
 * - `identity`: the signer, or a function answering it at each call
 *   (undefined: not paired yet, and calls fail with `not_paired`).
 * - `baseUrl`: prefixed to each path; default "" (same origin).
 * - `fetch`: default the global fetch.
 * - `fetchOptions`: merged into every request (the PWA sends no cookies and skips the HTTP cache).
 */
export function createDeviceClient(options: {
  identity: DeviceIdentity | (() => DeviceIdentity | undefined | Promise<DeviceIdentity | undefined>);
  baseUrl?: string;
  fetch?: typeof fetch;
  fetchOptions?: Omit<RequestInit, "method" | "headers" | "body">;
}): DeviceClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const baseUrl = options.baseUrl ?? "";
  const identityNow = async () => (typeof options.identity === "function" ? options.identity() : options.identity);

  const client: DeviceClient = {
    async prepare(method, path, body, call = {}) {
      const identity = await identityNow();
      if (!identity) throw new DeviceApiError(0, "not_paired", "Pair this device with your server first.");
      const text = call.rawBody ?? (body === undefined ? "" : JSON.stringify(body));
      const deviceId = call.deviceId === undefined ? identity.deviceId : call.deviceId;
      const signed = await signRequest({
        ...("privateKey" in identity ? { privateKey: identity.privateKey } : { sign: identity.sign }),
        ...(deviceId ? { deviceId } : {}),
        method,
        path,
        body: text,
        ...(call.now !== undefined ? { now: call.now } : {}),
      });
      return {
        method,
        path,
        url: baseUrl + path,
        headers: { ...signed, ...(text ? { "content-type": "application/json" } : {}), ...call.headers },
        ...(text ? { body: text } : {}),
      };
    },

    async dispatch<T>(prepared: PreparedDeviceRequest) {
      let response: Response;
      try {
        response = await doFetch(prepared.url, {
          ...options.fetchOptions,
          method: prepared.method,
          headers: prepared.headers,
          ...(prepared.body !== undefined ? { body: prepared.body } : {}),
        });
      } catch (cause) {
        throw new DeviceApiError(0, "offline", "Cannot reach the server. Check your connection.", {}, { cause });
      }
      return readReply<T>(response);
    },

    async request(method, path, body, call) {
      return client.dispatch(await client.prepare(method, path, body, call));
    },

    async send<T>(method: string, path: string, body?: unknown, call?: DeviceCallOptions) {
      const reply = await client.request<T>(method, path, body, call);
      if (isSuccess(reply)) return reply.body;
      throw DeviceApiError.fromReply(reply);
    },
  };
  return client;
}

/** Reads an answer whole: JSON when the server says so (and it parses), else the text. */
export async function readReply<T = unknown>(response: Response): Promise<DeviceReply<T>> {
  const text = await response.text();
  let body: unknown = text || undefined;
  if (text && response.headers.get("content-type")?.includes("json")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}
