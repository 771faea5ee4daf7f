import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script, without types.
import { hostingHeaders } from "../../../scripts/firebase/hosting-headers.mjs";
import { COMMON_HEADERS, PWA_CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY } from "./securityHeaders.js";

describe("firebase.json's Hosting headers", () => {
  it("are generated from the headers the standalone server sends (scripts/firebase/hosting-headers.mjs --write)", () => {
    const firebase = JSON.parse(readFileSync(new URL("../../../firebase.json", import.meta.url), "utf8"));
    expect(firebase.hosting.headers).toEqual(
      hostingHeaders({ common: COMMON_HEADERS, csp: PWA_CONTENT_SECURITY_POLICY, hsts: STRICT_TRANSPORT_SECURITY }),
    );
  });
});
