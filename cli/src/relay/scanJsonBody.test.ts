import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { JsonBodyScanner } from "./scanJsonBody.js";

/** A publish body shaped as libnpmpublish builds it: the manifest, then the base64 tarball last. */
function publishBody(tarball: Buffer, extra: Record<string, unknown> = {}) {
  return {
    _id: "@acme/rocket",
    name: "@acme/rocket",
    description: 'Ünïcödé "quoted" \\ back\nslash',
    "dist-tags": { next: "1.4.0" },
    versions: {
      "1.4.0": {
        name: "@acme/rocket",
        version: "1.4.0",
        dist: { integrity: "sha512-claimed", shasum: "abc", tarball: "http://r/x.tgz" },
        keywords: ["a", "b"],
        nested: { deep: { deeper: { deepest: { value: 1 } } } },
      },
    },
    access: "public",
    ...extra,
    _attachments: {
      "@acme/rocket-1.4.0.tgz": {
        content_type: "application/octet-stream",
        data: tarball.toString("base64"),
        length: tarball.length,
      },
    },
  };
}

function scan(text: string, chunkSize: number) {
  const scanner = new JsonBodyScanner();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunkSize) scanner.write(bytes.subarray(i, i + chunkSize));
  return scanner.end();
}

describe("JsonBodyScanner", () => {
  const tarball = randomBytes(10_001);
  const text = JSON.stringify(publishBody(tarball));

  it.each([1, 3, 7, 64, 4096, text.length])("reads a publish body fed in %i-byte chunks", (chunkSize) => {
    const result = scan(text, chunkSize);
    expect(result.complete).toBe(true);
    expect(result.keys).toContainEqual(["versions", "1.4.0"]);
    expect(result.values).toContainEqual({ path: ["name"], value: "@acme/rocket" });
    expect(result.values).toContainEqual({ path: ["description"], value: 'Ünïcödé "quoted" \\ back\nslash' });
    expect(result.values).toContainEqual({ path: ["dist-tags", "next"], value: "1.4.0" });
    expect(result.values).toContainEqual({ path: ["versions", "1.4.0", "dist", "integrity"], value: "sha512-claimed" });
    expect(result.values).toContainEqual({ path: ["access"], value: "public" });
    expect(result.values).toContainEqual({ path: ["_attachments", "@acme/rocket-1.4.0.tgz", "length"], value: 10_001 });
    expect(result.attachments.get("@acme/rocket-1.4.0.tgz")).toEqual({
      size: 10_001,
      sha512: createHash("sha512").update(tarball).digest("base64"),
    });
  });

  it("keeps no string longer than it needs and no value deeper than it looks", () => {
    const result = scan(JSON.stringify(publishBody(tarball, { readme: "x".repeat(5000) })), 512);
    expect(result.values.find((entry) => entry.path[0] === "readme")).toBeUndefined();
    expect(result.values.find((entry) => entry.path.includes("deepest"))).toBeUndefined();
    expect(result.values).toContainEqual({ path: ["versions", "1.4.0", "keywords", "1"], value: "b" });
  });

  it("reads a bare JSON string (a dist-tag body) and literals", () => {
    expect(scan('"1.4.0"', 2).values).toEqual([{ path: [], value: "1.4.0" }]);
    expect(scan('{"a":true,"b":null,"c":-1.5e3}', 1).values).toEqual([
      { path: ["a"], value: true },
      { path: ["b"], value: null },
      { path: ["c"], value: -1500 },
    ]);
  });

  it.each([
    ['{"a":1', "an unfinished object"],
    ['{"a":1}}', "a stray brace"],
    ['{"a" 1}', "a missing colon"],
    ['{"a":tru}', "a bad literal"],
    ['{"a":"x}', "an unfinished string"],
    ['{"a":1} {"b":2}', "two values"],
    ["[1,]x", "garbage"],
  ])("says a malformed body is incomplete: %s (%s)", (body) => {
    expect(scan(body, 3).complete).toBe(false);
  });
});
