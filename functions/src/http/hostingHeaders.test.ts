import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script, without types.
import { fromSecurityHeaders, hostingHeaders } from "../../../scripts/firebase/hosting-headers.mjs";
import * as built from "./securityHeaders.js";
import { isSubresourcePath, PWA_CONTENT_SECURITY_POLICY, responseHeaders } from "./securityHeaders.js";

const root = join(import.meta.dirname, "..", "..", "..");

interface HostingHeaders {
  source?: string;
  regex?: string;
  headers: { key: string; value: string }[];
}

describe("firebase.json's Hosting headers", () => {
  it("are generated from the headers the standalone server sends (scripts/firebase/hosting-headers.mjs --write)", () => {
    const firebase = JSON.parse(readFileSync(new URL("../../../firebase.json", import.meta.url), "utf8"));
    expect(firebase.hosting.headers).toEqual(hostingHeaders(fromSecurityHeaders(built)));
  });
});

/** What the standalone server (serveWeb) sets on an https response of the app at `path`. */
function standaloneHeaders(path: string): Record<string, string> {
  const set: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (set[name] = value) } as unknown as Response;
  responseHeaders(PWA_CONTENT_SECURITY_POLICY, {}, isSubresourcePath).set({ secure: true, path } as Request, res);
  return set;
}

describe("Firebase Hosting's headers for the app (issue 18, item 12)", () => {
  it("are the standalone server's, for every page but /api/", () => {
    const firebase = JSON.parse(readFileSync(join(root, "firebase.json"), "utf8")) as {
      hosting: { headers: HostingHeaders[] };
    };
    const appPages = (path: string) =>
      firebase.hosting.headers.filter((entry) => entry.regex && new RegExp(entry.regex).test(path));
    const pages = ["/", "/index.html", "/pair", "/approve/abc", "/sw.js", "/apiary", "/settings", "/assetsx", "/icons"];
    const files = [
      "/assets/index-abc.js",
      "/assets/main.css",
      "/icons/icon-192.png",
      "/manifest.webmanifest",
      "/robots.txt",
    ];
    for (const path of [...pages, ...files, "/manifest.webmanifest.bak", "/robots.txt/"]) {
      const expected = standaloneHeaders(path);
      // A page gets the CSP and the document headers; a file only what protects any response.
      expect("Content-Security-Policy" in expected, path).toBe(!files.includes(path));
      expect(expected["X-Content-Type-Options"], path).toBe("nosniff");
      const sent: Record<string, string> = {};
      for (const entry of appPages(path)) for (const { key, value } of entry.headers) sent[key] = value;
      const { "Cache-Control": _caching, ...security } = sent;
      expect(security, path).toEqual(expected);
    }
    expect(appPages("/api/v1/health").flatMap((entry) => entry.headers)).toEqual([]);
  });
});
