/**
 * A tiny npm registry that checks one-time passwords the way registry.npmjs.org
 * does, for end-to-end tests of `npm publish` through Countersign.
 *
 * - `PUT /<name>` (what `npm publish` sends) needs `Authorization: Bearer <token>`
 *   and, because the account has 2FA on, an `npm-otp` header holding the TOTP
 *   code for the seed, valid now or one step either side (npm's tolerance).
 *   Without it, or with a wrong code, it answers `401` with
 *   `www-authenticate: OTP`, which npm turns into its EOTP error.
 * - `GET /<name>` returns the packument of what was published, or 404.
 *
 * Everything it accepted is in `published`, every OTP it saw in `otpsSeen`.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateTotp, type TotpParams } from "@countersign/shared";

export interface PublishedPackage {
  name: string;
  version: string;
  otp: string;
}

export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/`, for `--registry`. */
  url: string;
  /** The auth token npm must send (put it in the package's .npmrc). */
  authToken: string;
  published: PublishedPackage[];
  otpsSeen: string[];
  /** An .npmrc that points npm at this registry with its token. */
  npmrc(): string;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function isValidOtp(otp: string, seed: TotpParams, now: number): Promise<boolean> {
  for (const offset of [-1, 0, 1]) {
    if ((await generateTotp(seed, now + offset * seed.period * 1000)) === otp) return true;
  }
  return false;
}

export async function startRegistry(seed: TotpParams, authToken = "e2e-registry-token"): Promise<LocalRegistry> {
  const published: PublishedPackage[] = [];
  const otpsSeen: string[] = [];

  const server: Server = createServer(async (request, response) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(JSON.stringify(body));
    };
    const name = decodeURIComponent((request.url ?? "/").slice(1).split("?")[0] ?? "");
    if (request.method === "GET") {
      const versions = published.filter((entry) => entry.name === name);
      if (versions.length === 0) return send(404, { error: "Not found" });
      return send(200, {
        name,
        versions: Object.fromEntries(versions.map((entry) => [entry.version, { name, version: entry.version }])),
      });
    }
    if (request.method !== "PUT") return send(405, { error: "Method not allowed" });
    const body = await readBody(request);
    if (request.headers.authorization !== `Bearer ${authToken}`) {
      return send(401, { error: "You must be logged in to publish packages." });
    }
    const otp = request.headers["npm-otp"];
    if (typeof otp === "string") otpsSeen.push(otp);
    if (typeof otp !== "string" || !(await isValidOtp(otp, seed, Date.now()))) {
      return send(401, { error: "This operation requires a one-time password." }, { "www-authenticate": "OTP" });
    }
    const manifest = JSON.parse(body) as { name: string; versions: Record<string, { version: string }> };
    for (const version of Object.keys(manifest.versions)) {
      if (published.some((entry) => entry.name === manifest.name && entry.version === version)) {
        return send(403, { error: `You cannot publish over the previously published version ${version}.` });
      }
      published.push({ name: manifest.name, version, otp });
    }
    return send(200, { ok: true });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    authToken,
    published,
    otpsSeen,
    npmrc: () => `registry=${url}\n//127.0.0.1:${port}/:_authToken=${authToken}\n`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
