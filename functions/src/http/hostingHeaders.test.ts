import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { PWA_CONTENT_SECURITY_POLICY, securityHeaders } from "./securityHeaders.js";

/** Issue 18, item 12: Firebase Hosting serves the app with exactly the standalone server's security headers. */

const root = join(import.meta.dirname, "..", "..", "..");

interface HostingHeaders {
  source?: string;
  regex?: string;
  headers: { key: string; value: string }[];
}

/** What the standalone server sets on an https page of the app. */
function standaloneHeaders(): Record<string, string> {
  const set: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (set[name] = value) } as unknown as Response;
  securityHeaders(PWA_CONTENT_SECURITY_POLICY)({ secure: true } as Request, res, () => {});
  return set;
}

describe("Firebase Hosting's headers for the app", () => {
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

  it("are what the generating script writes (node scripts/firebase/hosting-headers.mjs --check)", () => {
    expect(() =>
      execFileSync(process.execPath, [join(root, "scripts/firebase/hosting-headers.mjs"), "--check"]),
    ).not.toThrow();
  });
});
