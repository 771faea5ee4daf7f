import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { type Challenge, readChallenge } from "./challenge.js";
import type { RelayedRegistries } from "./clientEnv.js";
import type { RegistryCredential } from "./readNpmConfig.js";
import { type RegistryOperation, readOperation } from "./readOperation.js";
import { JsonBodyScanner } from "./scanJsonBody.js";

export interface Upstream {
  /** The registry's URL, ending in `/` (its path prefix included). */
  url: URL;
  credential: RegistryCredential;
}

/** One challenge the relay needs a second factor for. */
export interface ChallengedRequest {
  challenge: Challenge;
  operation: RegistryOperation;
  upstream: Upstream;
  /** A code this relay already sent for this request and the registry refused. */
  refusedOtp?: string;
}

export type SecondFactorAnswer = { kind: "otp"; otp: string } | { kind: "refused"; status: number; message: string };

/** Where the relay gets second factors: the CLI asks the phone through Countersign. */
export interface SecondFactor {
  answer(request: ChallengedRequest): Promise<SecondFactorAnswer>;
  /**
   * A code approved earlier in this run and valid now, sent with later writes
   * to the same registry so they need no second round trip (null: none).
   */
  codeInHand(upstream: Upstream): string | null;
}

export interface RegistryRelayOptions {
  /** `default` stands for the registry; the others for `@scope:registry` settings. */
  upstreams: { registry: Upstream; scopes: Record<string, Upstream> };
  secondFactor: SecondFactor;
  onDebug?: (message: string) => void;
}

export interface RegistryRelay {
  /** The relay's URLs, for the command's registry settings. */
  registries: RelayedRegistries;
  /** The per-run secret the command sends as its registry token. */
  secret: string;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
  "host",
]);
const MAX_CHALLENGE_BODY = 64 * 1024;
/** How often one request may be retried with a second factor (a refused code gets one more try). */
const MAX_SECOND_FACTOR_TRIES = 2;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function forwardHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === "authorization") continue;
    out[name] = value;
  }
  return out;
}

function authorization(credential: RegistryCredential): string | undefined {
  if (credential.kind === "bearer") return `Bearer ${credential.token}`;
  if (credential.kind === "basic") return `Basic ${credential.auth}`;
  return undefined;
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** A short answer read whole: the bytes as sent and, for reading, decoded. */
async function readSmall(message: IncomingMessage, cap: number): Promise<{ raw: Buffer; decoded: Buffer }> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of message) {
    if (length < cap) chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  const raw = Buffer.concat(chunks).subarray(0, cap);
  try {
    const encoding = String(message.headers["content-encoding"] ?? "").toLowerCase();
    if (encoding === "gzip") return { raw, decoded: gunzipSync(raw) };
    if (encoding === "br") return { raw, decoded: brotliDecompressSync(raw) };
    if (encoding === "deflate") return { raw, decoded: inflateSync(raw) };
  } catch {
    return { raw, decoded: Buffer.alloc(0) };
  }
  return { raw, decoded: raw };
}

/** The request body as it went upstream, kept on disk so a challenged request can be sent again. */
interface Spool {
  file: string;
  /** Resolves when the client's whole body is on disk. */
  complete: Promise<void>;
  json: boolean;
}

/**
 * Reads what the relay needs of a spooled JSON body. Done only for a
 * challenged request, from disk, so requests the registry lets through
 * cost no parsing at all.
 */
async function scanSpool(spool: Spool) {
  if (!spool.json) return undefined;
  const scanner = new JsonBodyScanner();
  for await (const chunk of createReadStream(spool.file, { highWaterMark: 1024 * 1024 }))
    scanner.write(chunk as Buffer);
  return scanner.end();
}

/**
 * Starts the registry relay of one `countersign exec` run on 127.0.0.1: it
 * forwards every request of the command's npm clients to the real registry
 * (bodies streamed both ways, never held whole in memory), adding the real
 * token upstream. When the registry challenges a request for a second
 * factor, it gets one from `secondFactor` and sends the same request again
 * with `npm-otp`; the client only sees the registry's final answer.
 *
 * The relay answers only under its unguessable path prefix and only to the
 * per-run secret; the registry token goes nowhere but its own registry (the
 * relay follows no redirects).
 */
export async function startRegistryRelay(options: RegistryRelayOptions): Promise<RegistryRelay> {
  const debug = options.onDebug ?? (() => {});
  const prefix = randomBytes(16).toString("base64url");
  const secret = `csrun_${randomBytes(24).toString("base64url")}`;
  const spoolDir = await mkdtemp(join(tmpdir(), "countersign-relay-"));
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true });
  const upstreams: Upstream[] = [options.upstreams.registry];
  const scopeIndex: Record<string, number> = {};
  for (const [scope, upstream] of Object.entries(options.upstreams.scopes)) {
    const existing = upstreams.findIndex((known) => known.url.href === upstream.url.href);
    scopeIndex[scope] = existing === -1 ? upstreams.push(upstream) - 1 : existing;
  }

  const sendUpstream = (
    upstream: Upstream,
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
  ): { request: ReturnType<typeof httpRequest>; response: Promise<IncomingMessage> } => {
    const target = `${upstream.url.origin}${upstream.url.pathname}${path}`;
    const secure = upstream.url.protocol === "https:";
    const request = (secure ? httpsRequest : httpRequest)(target, {
      method,
      headers,
      agent: secure ? httpsAgent : httpAgent,
    });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      request.once("response", resolve);
      request.once("error", reject);
    });
    return { request, response };
  };

  const relayBody = (client: IncomingMessage, upstreamRequest: ReturnType<typeof httpRequest>): Spool => {
    const file = join(spoolDir, randomUUID());
    const spool: WriteStream = createWriteStream(file, { mode: 0o600 });
    const json = /json/i.test(String(client.headers["content-type"] ?? ""));
    upstreamRequest.once("error", () => {
      // The registry answered (a challenge) or went away before the upload ended: the body still goes to the spool.
      client.unpipe(upstreamRequest);
      client.resume();
    });
    // One source, two sinks: pipe() pauses the client whenever either one is full.
    client.pipe(spool);
    client.pipe(upstreamRequest);
    const complete = new Promise<void>((resolve, reject) => {
      spool.once("close", () => (client.readableEnded ? resolve() : reject(new Error("the request body was cut off"))));
      client.once("close", () => {
        if (!client.readableEnded) spool.destroy();
      });
    });
    complete.catch(() => {});
    return { file, complete, json };
  };

  const relay = async (client: IncomingMessage, response: ServerResponse, upstream: Upstream, path: string) => {
    const method = client.method ?? "GET";
    const baseHeaders = forwardHeaders(client.headers);
    const auth = authorization(upstream.credential);
    if (auth) baseHeaders.authorization = auth;
    // npm and pnpm ask for the web (passkey) challenge themselves; Yarn does not, and without
    // it a passkey account gets a code challenge no phone can meet.
    baseHeaders["npm-auth-type"] ??= "web";
    const writes = method !== "GET" && method !== "HEAD";
    if (writes && !baseHeaders["npm-otp"]) {
      const code = options.secondFactor.codeInHand(upstream);
      if (code) baseHeaders["npm-otp"] = code;
    }
    const hasBody = writes && (client.headers["content-length"] !== "0" || client.headers["transfer-encoding"]);

    let attempt = sendUpstream(upstream, method, path, baseHeaders);
    let spool: Spool | null = null;
    if (hasBody) spool = relayBody(client, attempt.request);
    else attempt.request.end();

    let sentOtp = baseHeaders["npm-otp"] as string | undefined;
    try {
      for (let tries = 0; ; tries++) {
        const answer = await attempt.response;
        if (answer.statusCode !== 401 || tries >= MAX_SECOND_FACTOR_TRIES) return await passOn(answer, response);
        const body = await readSmall(answer, MAX_CHALLENGE_BODY);
        const challenge = readChallenge(401, answer.headers["www-authenticate"] as string | undefined, body.decoded);
        if (!challenge) return passOnRead(answer, body.raw, response);
        await spool?.complete;
        const operation = readOperation({
          method,
          path: `/${path}`,
          registryHost: upstream.url.host,
          body: spool ? await scanSpool(spool) : undefined,
        });
        debug(`registry relay: ${method} ${operation.path} challenged (${challenge.type})`);
        const factor = await options.secondFactor.answer({
          challenge,
          operation,
          upstream,
          ...(sentOtp ? { refusedOtp: sentOtp } : {}),
        });
        if (factor.kind === "refused") {
          sendJson(response, factor.status, { error: factor.message });
          return;
        }
        sentOtp = factor.otp;
        attempt = sendUpstream(upstream, method, path, { ...baseHeaders, "npm-otp": factor.otp });
        if (spool) await pipeline(createReadStream(spool.file), attempt.request);
        else attempt.request.end();
      }
    } finally {
      if (spool) {
        await spool.complete.catch(() => {});
        await rm(spool.file, { force: true });
      }
    }
  };

  // Large socket reads: a 50 MB upload in 1 MB pieces rather than 64 KB ones.
  const server: Server = createServer({ highWaterMark: 1024 * 1024 }, (client, response) => {
    const url = client.url ?? "/";
    const match = /^\/([^/]+)\/(\d+)\/(.*)$/s.exec(url);
    if (!match || !sameSecret(match[1] as string, prefix)) {
      client.resume();
      return sendJson(response, 404, { error: "Not found" });
    }
    const given = String(client.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
    if (!sameSecret(given, secret)) {
      client.resume();
      return sendJson(response, 401, { error: "This relay answers only the command countersign exec started." });
    }
    const upstream = upstreams[Number(match[2])];
    if (!upstream) {
      client.resume();
      return sendJson(response, 404, { error: "Not found" });
    }
    relay(client, response, upstream, match[3] as string).catch((error: Error) => {
      debug(`registry relay: ${client.method} failed: ${error.message}`);
      if (!response.headersSent) sendJson(response, 502, { error: `countersign relay: ${error.message}` });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}/${prefix}`;

  return {
    secret,
    registries: {
      registry: `${base}/0/`,
      scopes: Object.fromEntries(Object.entries(scopeIndex).map(([scope, index]) => [scope, `${base}/${index}/`])),
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      httpAgent.destroy();
      httpsAgent.destroy();
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
}

function answerHeaders(answer: IncomingMessage): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return headers;
}

/** Streams a registry answer to the client unchanged but for hop-by-hop headers. */
async function passOn(answer: IncomingMessage, response: ServerResponse) {
  response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answerHeaders(answer));
  await pipeline(answer, response);
}

/** Sends an answer whose body was already read (a 401 that was no challenge). */
function passOnRead(answer: IncomingMessage, raw: Buffer, response: ServerResponse) {
  response.writeHead(answer.statusCode ?? 502, answer.statusMessage, {
    ...answerHeaders(answer),
    "content-length": raw.length,
  });
  response.end(raw);
}
