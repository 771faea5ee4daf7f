/**
 * A local Web Push service for tests: what FCM or Mozilla's autopush are to a
 * browser, running on 127.0.0.1 over http.
 *
 *   const push = await startPushService();
 *   const subscription = push.createSubscription({ applicationServerKey });   // {endpoint, keys: {p256dh, auth}}
 *   // …give the subscription to the relay (PUT /api/v1/devices/me/push)…
 *   const message = await push.waitForMessage((m) => m.payload?.type === "approval");
 *   push.expire(subscription.endpoint);               // from now on: 410 Gone
 *   await push.close();
 *
 * It checks each POST as a real push service would:
 * - the endpoint must be one it issued (else 404), and not expired (else 410);
 * - `Authorization: vapid t=<JWT>, k=<public key>` must be present and well
 *   formed (else 401); the JWT must be ES256-signed by `k`, with `aud` equal to
 *   this service's origin, `exp` in the future and at most 24 h ahead, and a
 *   `sub` (else 403);
 * - `k` must be the key the subscription was made with, its
 *   `applicationServerKey` (else 403, as FCM and autopush answer a push signed
 *   by another key). A subscription made without one (API-level tests that
 *   never read the server's key) is bound to the key of its first accepted
 *   push, so a server that changes its key is still caught;
 * - `TTL` must be present, a whole number of seconds (else 400, RFC 8030 §5.2);
 *   `Urgency`, if present, one of very-low, low, normal, high (else 400);
 * - the body must be at most 4096 bytes (else 413, the limit FCM and autopush
 *   set) and `Content-Encoding: aes128gcm`; it is decrypted (RFC 8291) with the
 *   subscription's private key and auth secret (else 400).
 * Accepted messages are kept in `messages` with the decrypted text, the JSON
 * it parses to (if any) and the TTL, Urgency and Topic headers; the answer is
 * 201 Created like real services.
 */
import { createECDH, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decrypt } from "http_ece";
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from "jose";

export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushMessage {
  endpoint: string;
  /** The decrypted body. */
  body: string;
  /** `body` parsed as JSON, or null when it is not JSON. */
  payload: unknown;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  /** The VAPID key (`k`) the message was signed with. */
  vapidPublicKey: string;
  /** The VAPID JWT's `sub`: the contact the sender gave. */
  vapidSubject: string;
  receivedAt: number;
}

export interface PushService {
  /** e.g. http://127.0.0.1:41234 (its host goes into COUNTERSIGN_PUSH_ALLOW). */
  origin: string;
  /**
   * A new subscription, as `PushSubscription.toJSON()` gives it in a browser,
   * bound to `applicationServerKey` (the VAPID public key, base64url) when
   * given — as `pushManager.subscribe({applicationServerKey})` binds it.
   */
  createSubscription(options?: { applicationServerKey?: string }): PushSubscriptionJson;
  /** The VAPID public key a subscription is bound to, or null while it is bound to none. */
  applicationServerKey(endpoint: string): string | null;
  /** Every accepted message, oldest first. */
  messages: PushMessage[];
  /** Resolves with the first message (already received or arriving) matching `predicate`. */
  waitForMessage(predicate?: (message: PushMessage) => boolean, timeoutMs?: number): Promise<PushMessage>;
  /** Makes an endpoint answer 410 Gone from now on, as for an unsubscribed browser. */
  expire(endpoint: string): void;
  /** Requests refused, with the status and reason, for tests of the refusals. */
  refusals: { endpoint: string; status: number; reason: string }[];
  close(): Promise<void>;
}

const MAX_JWT_LIFETIME_S = 24 * 60 * 60;
/** The largest body FCM and autopush accept (4 KiB, encryption overhead included). */
const MAX_BODY_BYTES = 4096;
const URGENCIES = new Set(["very-low", "low", "normal", "high"]);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parses `vapid t=<jwt>, k=<key>` (RFC 8292). */
function parseVapidHeader(header: string | undefined): { token: string; key: string } | null {
  const match = header?.match(/^vapid\s+(.*)$/i);
  if (!match?.[1]) return null;
  const params = new Map<string, string>();
  for (const part of match[1].split(",")) {
    const [name, ...rest] = part.trim().split("=");
    if (name && rest.length) params.set(name.trim().toLowerCase(), rest.join("=").trim());
  }
  const token = params.get("t");
  const key = params.get("k");
  return token && key ? { token, key } : null;
}

async function verifyVapid(token: string, key: string, audience: string): Promise<string | null> {
  const point = Buffer.from(key, "base64url");
  if (point.length !== 65 || point[0] !== 4) return "k is not an uncompressed P-256 public key";
  try {
    if (decodeProtectedHeader(token).alg !== "ES256") return "the JWT is not ES256";
    const claims = decodeJwt(token);
    if (typeof claims.exp !== "number") return "the JWT has no exp";
    if (claims.exp > Date.now() / 1000 + MAX_JWT_LIFETIME_S) return "the JWT expires more than 24 h ahead";
    if (typeof claims.sub !== "string" || claims.sub === "") return "the JWT has no sub";
    const publicKey = await importJWK(
      {
        kty: "EC",
        crv: "P-256",
        x: point.subarray(1, 33).toString("base64url"),
        y: point.subarray(33, 65).toString("base64url"),
      },
      "ES256",
    );
    await jwtVerify(token, publicKey, { audience, algorithms: ["ES256"] });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export async function startPushService(): Promise<PushService> {
  const subscriptions = new Map<
    string,
    { ecdh: ReturnType<typeof createECDH>; auth: string; applicationServerKey: string | null }
  >();
  const expired = new Set<string>();
  const messages: PushMessage[] = [];
  const refusals: PushService["refusals"] = [];
  const waiters = new Set<() => void>();
  let origin = "";

  const refuse = (res: ServerResponse, endpoint: string, status: number, reason: string) => {
    refusals.push({ endpoint, status, reason });
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ reason }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const endpoint = `${origin}${req.url ?? ""}`;
    const body = await readBody(req);
    if (req.method !== "POST") return refuse(res, endpoint, 405, "only POST");
    const subscription = subscriptions.get(endpoint);
    if (!subscription) return refuse(res, endpoint, 404, "unknown subscription");
    if (expired.has(endpoint)) return refuse(res, endpoint, 410, "subscription expired");
    const vapid = parseVapidHeader(req.headers.authorization);
    if (!vapid) return refuse(res, endpoint, 401, "missing or malformed vapid Authorization");
    const problem = await verifyVapid(vapid.token, vapid.key, origin);
    if (problem) return refuse(res, endpoint, 403, `VAPID: ${problem}`);
    if (subscription.applicationServerKey !== null && subscription.applicationServerKey !== vapid.key) {
      return refuse(res, endpoint, 403, "VAPID: k is not the applicationServerKey the subscription was made with");
    }
    const ttl = req.headers.ttl;
    if (typeof ttl !== "string" || !/^\d+$/.test(ttl.trim()))
      return refuse(res, endpoint, 400, "missing or invalid TTL");
    const urgency = req.headers.urgency;
    if (urgency !== undefined && !URGENCIES.has(String(urgency))) return refuse(res, endpoint, 400, "invalid Urgency");
    if (body.length > MAX_BODY_BYTES) return refuse(res, endpoint, 413, `body of ${body.length} bytes`);
    if (req.headers["content-encoding"] !== "aes128gcm") return refuse(res, endpoint, 400, "not aes128gcm");
    let text: string;
    try {
      text = decrypt(body, {
        version: "aes128gcm",
        privateKey: subscription.ecdh,
        authSecret: subscription.auth,
      }).toString("utf8");
    } catch (error) {
      return refuse(res, endpoint, 400, `cannot decrypt: ${error instanceof Error ? error.message : String(error)}`);
    }
    let payload: unknown = null;
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
    const header = (name: string) => {
      const value = req.headers[name];
      return typeof value === "string" ? value : null;
    };
    subscription.applicationServerKey ??= vapid.key;
    messages.push({
      endpoint,
      body: text,
      payload,
      ttl: Number(ttl),
      urgency: header("urgency"),
      topic: header("topic"),
      vapidPublicKey: vapid.key,
      vapidSubject: String(decodeJwt(vapid.token).sub),
      receivedAt: Date.now(),
    });
    for (const wake of waiters) wake();
    res.writeHead(201, { location: `${endpoint}/messages/${messages.length}` }).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) refuse(res, origin, 500, String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    messages,
    refusals,
    createSubscription(options = {}) {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = randomBytes(16).toString("base64url");
      const endpoint = `${origin}/push/${randomBytes(12).toString("base64url")}`;
      subscriptions.set(endpoint, { ecdh, auth, applicationServerKey: options.applicationServerKey ?? null });
      return { endpoint, keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth } };
    },
    waitForMessage(predicate = () => true, timeoutMs = 5000) {
      return new Promise<PushMessage>((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(onMessage);
          resolve(found);
          return true;
        };
        const onMessage = () => {
          check();
        };
        const timer = setTimeout(() => {
          waiters.delete(onMessage);
          reject(new Error(`no matching push message within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        if (!check()) waiters.add(onMessage);
      });
    },
    applicationServerKey(endpoint) {
      return subscriptions.get(endpoint)?.applicationServerKey ?? null;
    },
    expire(endpoint) {
      expired.add(endpoint);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
