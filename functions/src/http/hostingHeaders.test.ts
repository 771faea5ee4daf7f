import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script, without types.
import { hostingHeaders } from "../../../scripts/firebase/hosting-headers.mjs";
import {
  COMMON_HEADERS,
  PWA_CONTENT_SECURITY_POLICY,
  STRICT_TRANSPORT_SECURITY,
  securityHeaders,
} from "./securityHeaders.js";

const root = join(import.meta.dirname, "..", "..", "..");

interface HostingHeaders {
  source?: string;
  regex?: string;
  headers: { key: string; value: string }[];
}

describe("firebase.json's Hosting headers", () => {
  it("are generated from the headers the standalone server sends (scripts/firebase/hosting-headers.mjs --write)", () => {
    const firebase = JSON.parse(readFileSync(new URL("../../../firebase.json", import.meta.url), "utf8"));
    expect(firebase.hosting.headers).toEqual(
      hostingHeaders({ common: COMMON_HEADERS, csp: PWA_CONTENT_SECURITY_POLICY, hsts: STRICT_TRANSPORT_SECURITY }),
    );
  });
});

/** What the standalone server sets on an https page of the app. */
function standaloneHeaders(): Record<string, string> {
  const set: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (set[name] = value) } as unknown as Response;
  securityHeaders(PWA_CONTENT_SECURITY_POLICY)({ secure: true } as Request, res, () => {});
  return set;
}

describe("Firebase Hosting's headers for the app (issue 18, item 12)", () => {
  it("are the standalone server's, for every page but /api/", () => {
    const firebase = JSON.parse(readFileSync(join(root, "firebase.json"), "utf8")) as {
      hosting: { headers: HostingHeaders[] };
    };
    const appPages = (path: string) =>
      firebase.hosting.headers.filter((entry) => entry.regex && new RegExp(entry.regex).test(path));
    const expected = standaloneHeaders();
    expect(Object.keys(expected)).toContain("Content-Security-Policy");
    for (const path of ["/", "/index.html", "/pair", "/assets/index-abc.js", "/sw.js", "/apiary", "/settings"]) {
      const sent: Record<string, string> = {};
      for (const entry of appPages(path)) for (const { key, value } of entry.headers) sent[key] = value;
      for (const [name, value] of Object.entries(expected)) expect(sent[name], `${path} ${name}`).toBe(value);
    }
    expect(appPages("/api/v1/health").flatMap((entry) => entry.headers)).toEqual([]);
  });
});
