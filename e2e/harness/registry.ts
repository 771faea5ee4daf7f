/**
 * A small npm registry that speaks registry.npmjs.org's two-factor protocol,
 * for end-to-end tests of publishing through Countersign with the real
 * clients (npm 11/12, pnpm 10/12, Yarn 1/4).
 *
 * - Accounts are bearer tokens mapped to users; each user's second factor is
 *   `none`, `totp` (a seed) or `webauthn` (a passkey registered through the
 *   harness's `/register/<user>` page).
 * - Reads: `GET /<name>` (packument; scoped as `/@scope%2fname`),
 *   `GET /-/package/<name>/dist-tags`, `GET /-/whoami`, `GET /-/ping`.
 * - Writes: `PUT /<name>` (publish), `PUT`/`DELETE /-/package/<name>/dist-tags/<tag>`.
 *   A 2FA user's write without a valid `npm-otp` gets the registry's challenge:
 *   `401` + `www-authenticate: OTP` and, for a TOTP account, the body npmjs
 *   sends, `{"error":"You must provide a one-time pass. Upgrade your client to
 *   npm@latest in order to use 2FA."}` (the wording npm 5 printed from the
 *   body — sindresorhus/np#193, #202 — in full in pnpm's test of npmjs's
 *   dist-tag answer, pnpm/pnpm pnpm11/registry-access/commands/test/setDistTag.ts).
 *   For a webauthn account whose client asks for web auth (`npm-auth-type:
 *   web`, which npm ≥ 9 and pnpm send, Yarn does not — see lerna/lerna#4417,
 *   jdx/aube#811), the body also carries `authUrl` and `doneUrl`, which npm
 *   shows in CI (npm/cli#8952) and polls on a terminal
 *   (npm-profile webAuthCheckLogin): `202` + `Retry-After: 1` until the
 *   passkey was used on the authUrl page, then `200 {token}` once; that
 *   token is accepted once as `npm-otp`, within five minutes.
 * - Everything else: `404 {"error":"Not found"}`.
 *
 * What tests look at: `published` (with tarball size and integrity, computed
 * while the body streams in), `requests` (method, path, whether authorization
 * and npm-otp were present, the user, the status) and `challenges`. No token
 * or code is ever recorded except the TOTP code a publish was accepted with.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { generateTotp, type TotpParams } from "@countersign/shared";
import { readPublishBody } from "./publishBody.js";
import { authPage, registerPage, WebAuthenticator } from "./registryWebAuth.js";

export type SecondFactor = { type: "none" } | { type: "totp"; seed: TotpParams } | { type: "webauthn" };

export interface RegistryAccount {
  /** The bearer token a client sends (`_authToken`). */
  token: string;
  user: string;
  secondFactor: SecondFactor;
}

export interface RegistryOptions {
  /** Accounts besides the one the `seed` argument makes; none by default. */
  accounts?: RegistryAccount[];
}

export interface PublishedPackage {
  name: string;
  version: string;
  /** The TOTP code the publish was accepted with; `"web"` for a web-auth token; `null` without 2FA. */
  otp: string | null;
  user: string;
  tag: string;
  tarball: { size: number; integrity: string };
}

export interface RecordedRequest {
  method: string;
  /** The path as sent (percent-encoding kept), without the query. */
  path: string;
  authorization: boolean;
  otp: boolean;
  /** `npm-auth-type` as sent (npm and pnpm send `web`). */
  authType: string | null;
  userAgent: string | null;
  /** The user the bearer token belongs to, when it is known. */
  user: string | null;
  status: number;
}

export interface Challenge {
  type: "otp" | "web";
  user: string;
  method: string;
  path: string;
  /** For `web`: the authUrl's id. */
  authId?: string;
}

export interface LocalRegistry {
  /** `http://localhost:<port>/` — localhost, because WebAuthn in Chromium needs it. */
  url: string;
  /** The token of the account the seed made (kept for the first tests; see `accounts`). */
  authToken: string;
  accounts: RegistryAccount[];
  published: PublishedPackage[];
  /** Every `npm-otp` a write carried, web tokens as `"web"`. */
  otpsSeen: string[];
  requests: RecordedRequest[];
  challenges: Challenge[];
  /** The passkey registration page of a webauthn account. */
  registerUrl(user: string): string;
  /** Whether `user` has registered a passkey. */
  hasPasskey(user: string): boolean;
  /** An .npmrc pointing npm at this registry with a token (the seed account's by default). */
  npmrc(token?: string): string;
  close(): Promise<void>;
}

/** Where a request goes: a route name and its parameters. */
type Route =
  | { kind: "ping" | "whoami" | "done" }
  | { kind: "packument"; name: string }
  | { kind: "dist-tags"; name: string; tag?: string }
  | { kind: "register-page" | "register-options" | "register"; user: string }
  | { kind: "auth-page" | "auth-options" | "auth"; authId: string }
  | { kind: "unknown" };

const OTP_REQUIRED = "You must provide a one-time pass. Upgrade your client to npm@latest in order to use 2FA.";

function route(path: string): Route {
  const parts = path.split("/").slice(1).map(decodeURIComponent);
  if (path === "/-/ping") return { kind: "ping" };
  if (path === "/-/whoami") return { kind: "whoami" };
  if (path === "/-/v1/done") return { kind: "done" };
  if (parts[0] === "-" && parts[1] === "package") {
    // /-/package/<name>/dist-tags[/<tag>], the name percent-encoded or as @scope/name.
    const rest = parts.slice(2).join("/");
    const match = /^(.+?)\/dist-tags(?:\/([^/]+))?$/.exec(rest);
    if (match?.[1]) return { kind: "dist-tags", name: match[1], tag: match[2] };
  }
  if (parts[0] === "register" && parts.length === 2 && parts[1]) return { kind: "register-page", user: parts[1] };
  if (parts[0] === "auth" && parts[1] === "cli" && parts.length === 3 && parts[2]) {
    return { kind: "auth-page", authId: parts[2] };
  }
  if (parts[0] === "-" && parts[1] === "harness" && parts[2] === "webauthn") {
    const [, , , what, id, tail] = parts;
    if (what === "register" && id) return { kind: tail === "options" ? "register-options" : "register", user: id };
    if (what === "auth" && id) return { kind: tail === "options" ? "auth-options" : "auth", authId: id };
  }
  const name = parts.join("/");
  if (/^(?:@[^/@]+\/)?[^/@][^/]*$/.test(name)) return { kind: "packument", name };
  return { kind: "unknown" };
}

async function readJson(request: IncomingMessage, maxBytes = 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function isValidTotp(otp: string, seed: TotpParams, now: number): Promise<boolean> {
  for (const offset of [-1, 0, 1]) {
    if ((await generateTotp(seed, now + offset * seed.period * 1000)) === otp) return true;
  }
  return false;
}

interface PackageRecord {
  versions: Map<string, { manifest: Record<string, unknown>; published: PublishedPackage; time: string }>;
  distTags: Record<string, string>;
}

/**
 * Starts the registry on a loopback port.
 *
 * @param seed - When given, an account `alice` with this TOTP seed and the token `authToken` (the original harness).
 * @param authToken - That account's token; defaults to `e2e-registry-token`.
 * @param options - More accounts (`none`, `totp` or `webauthn`).
 */
export async function startRegistry(
  seed?: TotpParams,
  authToken = "e2e-registry-token",
  options: RegistryOptions = {},
): Promise<LocalRegistry> {
  const accounts: RegistryAccount[] = [
    ...(seed ? [{ token: authToken, user: "alice", secondFactor: { type: "totp" as const, seed } }] : []),
    ...(options.accounts ?? []),
  ];
  const published: PublishedPackage[] = [];
  const otpsSeen: string[] = [];
  const requests: RecordedRequest[] = [];
  const challenges: Challenge[] = [];
  const packages = new Map<string, PackageRecord>();
  let origin = "";
  const web = new WebAuthenticator(() => origin);

  const accountFor = (request: IncomingMessage): RegistryAccount | null | "invalid" => {
    const header = request.headers.authorization;
    if (!header) return null;
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    return accounts.find((account) => account.token === token) ?? "invalid";
  };

  /** Checks the write's second factor; answers the challenge and returns null when it is missing or wrong. */
  const secondFactor = async (
    request: IncomingMessage,
    account: RegistryAccount,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
    path: string,
  ): Promise<string | null | false> => {
    const factor = account.secondFactor;
    if (factor.type === "none") return null;
    const otp = request.headers["npm-otp"];
    if (typeof otp === "string" && otp !== "") {
      if (factor.type === "totp") {
        otpsSeen.push(otp);
        if (await isValidTotp(otp, factor.seed, Date.now())) return otp;
      } else {
        otpsSeen.push("web");
        if (web.redeem(account.user, otp)) return "web";
      }
    }
    const method = request.method ?? "";
    if (factor.type === "webauthn" && request.headers["npm-auth-type"] === "web") {
      const authId = web.startSession(account.user);
      challenges.push({ type: "web", user: account.user, method, path, authId });
      send(
        401,
        {
          error: OTP_REQUIRED,
          authUrl: `${origin}/auth/cli/${authId}`,
          doneUrl: `${origin}/-/v1/done?authId=${authId}`,
        },
        { "www-authenticate": "OTP" },
      );
      return false;
    }
    challenges.push({ type: "otp", user: account.user, method, path });
    send(401, { error: OTP_REQUIRED }, { "www-authenticate": "OTP" });
    return false;
  };

  const packument = (name: string) => {
    const record = packages.get(name);
    if (!record) return null;
    const versions: Record<string, unknown> = {};
    const time: Record<string, string> = {};
    for (const [version, entry] of record.versions) {
      versions[version] = {
        ...entry.manifest,
        dist: {
          integrity: entry.published.tarball.integrity,
          tarball: `${origin}/${name}/-/${name.split("/").pop()}-${version}.tgz`,
        },
      };
      time[version] = entry.time;
    }
    return { _id: name, name, "dist-tags": record.distTags, versions, time };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse, record: RecordedRequest): Promise<void> => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(JSON.stringify(body));
    };
    const html = (body: string) => {
      record.status = 200;
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      response.end(body);
    };
    const url = new URL(request.url ?? "/", origin);
    const method = request.method ?? "GET";
    const target = route(url.pathname);
    const account = accountFor(request);
    if (account === "invalid") return send(401, { error: "Unable to authenticate, need: Bearer" });
    record.user = account?.user ?? null;

    switch (target.kind) {
      case "ping":
        return send(200, {});
      case "whoami":
        return account ? send(200, { username: account.user }) : send(401, { error: "You must be logged in." });
      case "register-page":
        return html(registerPage(target.user));
      case "register-options": {
        const user = accounts.find((entry) => entry.user === target.user && entry.secondFactor.type === "webauthn");
        return user ? send(200, await web.registrationOptions(target.user)) : send(404, { error: "Not found" });
      }
      case "register": {
        if (method !== "POST") break;
        const ok = await web.register(target.user, (await readJson(request)) as never).catch(() => false);
        return send(ok ? 200 : 400, { ok });
      }
      case "auth-page":
        return web.session(target.authId) ? html(authPage(target.authId)) : send(404, { error: "Not found" });
      case "auth-options": {
        const options = await web.authenticationOptions(target.authId);
        return options ? send(200, options) : send(404, { error: "Not found" });
      }
      case "auth": {
        if (method !== "POST") break;
        const ok = await web.authenticate(target.authId, (await readJson(request)) as never).catch(() => false);
        return send(ok ? 200 : 400, { ok });
      }
      case "done": {
        if (!account) return send(401, { error: "You must be logged in." });
        const result = web.collect(url.searchParams.get("authId") ?? "", account.user);
        if (!result) return send(404, { error: "Not found" });
        if (result.status === "pending") return send(202, {}, { "retry-after": "1" });
        return send(200, { token: result.token });
      }
      case "packument": {
        if (method === "GET") {
          const body = packument(target.name);
          return body ? send(200, body) : send(404, { error: "Not found" });
        }
        if (method !== "PUT") break;
        if (!account) return send(401, { error: "You must be logged in to publish packages." });
        // Read (and digest) the body before answering, as the registry does; a challenged
        // client sends it all again with the code.
        const body = await readPublishBody(request);
        const otp = await secondFactor(request, account, send, url.pathname);
        if (otp === false) return;
        const name = body.document.name ?? target.name;
        if (name !== target.name) return send(400, { error: "Package name in the body does not match the URL." });
        const existing: PackageRecord = packages.get(name) ?? { versions: new Map(), distTags: {} };
        const versions = Object.entries(body.document.versions ?? {});
        const taken = versions.filter(([version]) => existing.versions.has(version)).map(([version]) => version);
        if (taken.length > 0) {
          return send(403, {
            error: `You cannot publish over the previously published versions: ${taken.join(", ")}.`,
          });
        }
        const [tag, tagged] = Object.entries(body.document["dist-tags"] ?? {})[0] ?? ["latest", undefined];
        for (const [version, manifest] of versions) {
          const file = [...body.attachments.keys()].find((key) => key.endsWith(`-${version}.tgz`));
          const tarball = (file && body.attachments.get(file)) || { size: 0, integrity: "" };
          const entry: PublishedPackage = { name, version, otp, user: account.user, tag, tarball };
          existing.versions.set(version, { manifest, published: entry, time: new Date().toISOString() });
          published.push(entry);
        }
        if (tagged) existing.distTags[tag] = tagged;
        packages.set(name, existing);
        return send(200, { success: true });
      }
      case "dist-tags": {
        const record = packages.get(target.name);
        if (method === "GET" && !target.tag) {
          return record ? send(200, record.distTags) : send(404, { error: "Not found" });
        }
        if (!target.tag || (method !== "PUT" && method !== "DELETE")) break;
        if (!account) return send(401, { error: "You must be logged in to set dist-tags." });
        const version = method === "PUT" ? await readJson(request) : undefined;
        if ((await secondFactor(request, account, send, url.pathname)) === false) return;
        if (!record) return send(404, { error: "Not found" });
        if (method === "DELETE") {
          delete record.distTags[target.tag];
          return send(200, record.distTags);
        }
        if (typeof version !== "string" || !record.versions.has(version)) {
          return send(400, { error: `Version ${String(version)} of ${target.name} does not exist.` });
        }
        record.distTags[target.tag] = version;
        return send(200, record.distTags);
      }
      case "unknown":
        break;
    }
    return send(404, { error: "Not found" });
  };

  const server: Server = createServer((request, response) => {
    const record: RecordedRequest = {
      method: request.method ?? "",
      path: (request.url ?? "/").split("?")[0] ?? "/",
      authorization: request.headers.authorization !== undefined,
      otp: request.headers["npm-otp"] !== undefined,
      authType: (request.headers["npm-auth-type"] as string | undefined) ?? null,
      userAgent: request.headers["user-agent"] ?? null,
      user: null,
      status: 0,
    };
    requests.push(record);
    handle(request, response, record).catch(() => {
      if (response.headersSent) return response.destroy();
      record.status = 400;
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "Bad request" }));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://localhost:${port}`;
  const url = `${origin}/`;
  return {
    url,
    authToken,
    accounts,
    published,
    otpsSeen,
    requests,
    challenges,
    registerUrl: (user) => `${origin}/register/${encodeURIComponent(user)}`,
    hasPasskey: (user) => web.hasCredential(user),
    npmrc: (token = authToken) => `registry=${url}\n//localhost:${port}/:_authToken=${token}\n`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
