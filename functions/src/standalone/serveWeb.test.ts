import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RawReply, rawGet } from "../../../e2e/helpers/rawGet.js";
import { requestId } from "../http/requestId.js";
import { serveWeb } from "./serveWeb.js";

/**
 * The static side of the standalone server over a small built app written
 * here: precompressed files chosen by Accept-Encoding, 404 for files that
 * are not there, index.html for the app's screens. (The real build is
 * served the same way in e2e/tests/foundation.spec.ts.)
 */
const FILES: Record<string, { body: string; type: RegExp; cache: RegExp; document?: true }> = {
  "/index.html": {
    body: `<!doctype html><title>Countersign</title>${"<p>app</p>".repeat(50)}`,
    type: /^text\/html/,
    cache: /^no-cache$/,
    document: true,
  },
  "/pair.html": {
    body: `<!doctype html><title>Countersign</title>${"<p>pair</p>".repeat(50)}`,
    type: /^text\/html/,
    cache: /^no-cache$/,
    document: true,
  },
  "/approve.html": {
    body: `<!doctype html><title>Countersign</title>${"<p>approve</p>".repeat(50)}`,
    type: /^text\/html/,
    cache: /^no-cache$/,
    document: true,
  },
  "/shell.html": {
    body: `<!doctype html><title>Countersign</title>${"<p>shell</p>".repeat(50)}`,
    type: /^text\/html/,
    cache: /^no-cache$/,
    document: true,
  },
  "/assets/index-AbC123.js": {
    body: `console.log(${JSON.stringify("code ".repeat(200))});`,
    type: /javascript/,
    cache: /immutable/,
  },
  "/assets/index-AbC123.css": {
    body: `body{margin:0}${".a{color:red}".repeat(40)}`,
    type: /^text\/css/,
    cache: /immutable/,
  },
  "/sw.js": {
    body: `self.addEventListener("fetch",()=>{});${"//x\n".repeat(100)}`,
    type: /javascript/,
    cache: /^no-cache$/,
    document: true, // the service worker's script: its CSP is the worker's
  },
  "/manifest.webmanifest": {
    body: JSON.stringify({ name: "Countersign", icons: Array(10).fill({ src: "/icons/icon.png" }) }),
    type: /^application\/manifest\+json/,
    cache: /^no-cache$/,
  },
};
const ROBOTS = "User-agent: *\nDisallow: /\n";
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001", "hex");

let webDir: string;
let server: Server;
let origin: string;

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), "countersign-web-"));
  const write = (path: string, data: Buffer | string) => {
    mkdirSync(dirname(join(webDir, path)), { recursive: true });
    writeFileSync(join(webDir, path), data);
  };
  for (const [path, { body }] of Object.entries(FILES)) {
    write(path, body);
    write(`${path}.br`, brotliCompressSync(body));
    write(`${path}.gz`, gzipSync(body));
  }
  write("/robots.txt", ROBOTS);
  write("/icons/icon.png", PNG);
  const app = express();
  app.use(requestId()); // as the server's app does before serveWeb
  app.use(serveWeb(webDir));
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(webDir, { recursive: true, force: true });
});

/** A GET (or HEAD) that sends exactly the given Accept-Encoding and keeps the body as it came (fetch would decode it). */
function get(path: string, acceptEncoding?: string, method = "GET"): Promise<RawReply> {
  return rawGet(`${origin}${path}`, acceptEncoding, method);
}

const decode = { br: brotliDecompressSync, gzip: gunzipSync, identity: (body: Buffer) => body };

describe("precompressed files", () => {
  const cases = [
    { accept: "gzip, deflate, br, zstd", encoding: "br" }, // what Chromium sends
    { accept: "gzip", encoding: "gzip" },
    { accept: "br;q=0, gzip;q=0.5", encoding: "gzip" },
    { accept: "deflate", encoding: "identity" },
    { accept: undefined, encoding: "identity" },
  ] as const;
  for (const [path, expected] of Object.entries(FILES)) {
    it.each(cases)(`${path} with Accept-Encoding "$accept" is sent $encoding`, async ({ accept, encoding }) => {
      const reply = await get(path, accept);
      expect(reply.status).toBe(200);
      expect(reply.headers["content-encoding"]).toBe(encoding === "identity" ? undefined : encoding);
      expect(reply.headers.vary).toMatch(/Accept-Encoding/i);
      expect(Number(reply.headers["content-length"])).toBe(reply.body.length);
      expect(decode[encoding](reply.body).toString()).toBe(expected.body);
      if (encoding !== "identity") expect(reply.body.length).toBeLessThan(Buffer.byteLength(expected.body));
      // The same type, caching and security headers as the file itself gets.
      expect(reply.headers["content-type"]).toMatch(expected.type);
      expect(reply.headers["cache-control"]).toMatch(expected.cache);
      expect(reply.headers["x-content-type-options"]).toBe("nosniff");
      if (expected.document) expect(reply.headers["content-security-policy"]).toContain("default-src 'self';");
    });
  }

  it("a HEAD has the headers of the GET and no body", async () => {
    const head = await get("/assets/index-AbC123.js", "br", "HEAD");
    const full = await get("/assets/index-AbC123.js", "br");
    expect(head.headers["content-encoding"]).toBe("br");
    expect(head.headers["content-length"]).toBe(full.headers["content-length"]);
    expect(head.body.length).toBe(0);
  });

  it("a file built without compressed copies (an image) is sent as it is", async () => {
    const reply = await get("/icons/icon.png", "gzip, deflate, br");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-encoding"]).toBeUndefined();
    expect(reply.body.equals(PNG)).toBe(true);
  });
});

describe("security headers", () => {
  it.each(["/", "/pair", "/settings", "/sw.js", "/nope"])(
    "%s, a document (or a 404), gets the CSP, framing and permissions headers",
    async (path) => {
      const { headers } = await get(path, "br");
      expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(headers["x-frame-options"]).toBe("DENY");
      expect(headers["cross-origin-opener-policy"]).toBe("same-origin");
      expect(headers["permissions-policy"]).toContain("camera=(self)");
      expect(headers["x-content-type-options"]).toBe("nosniff");
      expect(headers["cross-origin-resource-policy"]).toBe("same-origin");
    },
  );

  it.each([
    "/assets/index-AbC123.js",
    "/assets/index-AbC123.css",
    "/icons/icon.png",
    "/manifest.webmanifest",
    "/assets/nope.js",
  ])("%s, never a document, gets only the headers that protect any response", async (path) => {
    const { headers } = await get(path, "br");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(headers["cross-origin-resource-policy"]).toBe("same-origin");
    for (const name of [
      "x-request-id",
      "content-security-policy",
      "x-frame-options",
      "cross-origin-opener-policy",
      "permissions-policy",
    ]) {
      expect(headers[name], name).toBeUndefined();
    }
  });

  it("a hashed file carries no validators: it never changes, nothing revalidates it", async () => {
    const { headers } = await get("/assets/index-AbC123.js", "br");
    expect(headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(headers.etag).toBeUndefined();
    expect(headers["last-modified"]).toBeUndefined();
    const page = await get("/sw.js", "br");
    expect(page.headers.etag).toBeDefined();
  });

  it.each(["/", "/pair", "/sw.js", "/manifest.webmanifest", "/assets/index-AbC123.js"])(
    "%s advertises no byte ranges (every file is fetched whole)",
    async (path) => {
      const { status, headers } = await get(path, "br");
      expect(status).toBe(200);
      expect(headers["accept-ranges"]).toBeUndefined();
    },
  );

  it("a page keeps its X-Request-Id, which a user can quote", async () => {
    const { headers } = await get("/pair", "br");
    expect(headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("screens and missing files", () => {
  it.each([
    ["/", "/index.html"],
    ["/pair", "/pair.html"],
    ["/approve/abc-DEF_123", "/approve.html"],
    ["/settings", "/shell.html"],
    ["/accounts/xyz", "/shell.html"],
  ])("the screen %s gets %s, compressed, revalidated", async (path, page) => {
    const reply = await get(path, "gzip, deflate, br");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-encoding"]).toBe("br");
    expect(reply.headers["content-type"]).toMatch(/^text\/html/);
    expect(reply.headers["cache-control"]).toBe("no-cache");
    expect(reply.headers.vary).toMatch(/Accept-Encoding/i);
    expect(brotliDecompressSync(reply.body).toString()).toBe(FILES[page]?.body);
  });

  it.each([
    "/assets/nope.js",
    "/assets/index-AbC123.js.map",
    "/icons/nope.png",
    "/nope.js",
    "/favicon.ico",
    "/assets/",
  ])("%s is not a built file: 404, not the app's HTML", async (path) => {
    for (const method of ["GET", "HEAD"]) {
      const reply = await get(path, "gzip, br", method);
      expect(reply.status, method).toBe(404);
      expect(reply.headers["content-type"] ?? "").not.toMatch(/html/);
      expect(reply.body.toString()).not.toContain("Countersign");
    }
  });

  it("/robots.txt is the file", async () => {
    const reply = await get("/robots.txt", "gzip, br");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^text\/plain/);
    expect(reply.body.toString()).toBe(ROBOTS);
  });
});
