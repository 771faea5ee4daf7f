import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readOperation } from "./readOperation.js";
import { JsonBodyScanner, type ScannedBody } from "./scanJsonBody.js";

function body(value: unknown): ScannedBody {
  const scanner = new JsonBodyScanner();
  scanner.write(Buffer.from(JSON.stringify(value)));
  return scanner.end();
}

const registryHost = "registry.npmjs.org";

describe("readOperation", () => {
  it("reads a publish: package, version, tag, tarball size and integrity, access", () => {
    const tarball = Buffer.from("tarball bytes");
    const operation = readOperation({
      method: "PUT",
      path: "/@acme%2frocket",
      registryHost,
      body: body({
        name: "@acme/rocket",
        "dist-tags": { latest: "1.4.0" },
        versions: { "1.4.0": { version: "1.4.0" } },
        access: "public",
        _attachments: { "x.tgz": { data: tarball.toString("base64"), length: tarball.length } },
      }),
    });
    expect(operation).toEqual({
      action: "publish",
      registry: "registry.npmjs.org",
      method: "PUT",
      path: "/@acme/rocket",
      package: { name: "@acme/rocket", version: "1.4.0" },
      tag: "latest",
      access: "public",
      tarball: { size: 13, integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}` },
    });
  });

  it.each([
    [
      "PUT",
      "/-/package/rocket/dist-tags/latest",
      "1.4.0",
      { action: "dist-tag-add", package: { name: "rocket", version: "1.4.0" }, tag: "latest" },
    ],
    [
      "DELETE",
      "/-/package/@acme%2frocket/dist-tags/beta",
      undefined,
      { action: "dist-tag-rm", package: { name: "@acme/rocket" }, tag: "beta" },
    ],
    [
      "POST",
      "/-/package/rocket/access",
      { access: "restricted" },
      { action: "access", package: { name: "rocket" }, access: "restricted" },
    ],
    [
      "PUT",
      "/rocket/-rev/3-abc",
      { _id: "rocket", _rev: "3-abc", maintainers: [{ name: "wile", email: "w@x" }, { name: "road" }] },
      { action: "owner-change", package: { name: "rocket" }, maintainers: ["wile", "road"] },
    ],
    [
      "PUT",
      "/rocket/-rev/3-abc",
      { _id: "rocket", _rev: "3-abc", versions: {} },
      { action: "unpublish", package: { name: "rocket" } },
    ],
    ["DELETE", "/rocket/-rev/3-abc", undefined, { action: "unpublish", package: { name: "rocket" } }],
    [
      "PUT",
      "/rocket",
      { name: "rocket", versions: { "1.0.0": { deprecated: "no" } } },
      { action: "deprecate", package: { name: "rocket" } },
    ],
    ["POST", "/-/npm/v1/tokens", { password: "x" }, { action: "token" }],
    ["POST", "/-/npm/v1/user", {}, { action: "profile" }],
    ["POST", "/-/org/acme/user", {}, { action: "access" }],
    ["POST", "/-/v1/search", undefined, { action: "other" }],
  ])("reads %s %s", (method, path, value, expected) => {
    const operation = readOperation({
      method,
      path,
      registryHost,
      ...(value !== undefined ? { body: body(value) } : {}),
    });
    expect(operation).toMatchObject(expected as object);
  });

  it("leaves out what the server would refuse: a legacy name, an odd version or tag, control characters", () => {
    const operation = readOperation({
      method: "PUT",
      path: "/-/package/Legacy_Name/dist-tags/bad%20tag",
      registryHost,
      body: body("not a version"),
    });
    expect(operation).toEqual({
      action: "dist-tag-add",
      registry: "registry.npmjs.org",
      method: "PUT",
      path: "/-/package/Legacy_Name/dist-tags/bad%20tag",
    });
    const unicode = readOperation({ method: "PUT", path: "/r%C3%B6cket\u202e", registryHost });
    expect(unicode.path).toMatch(/^\/[\x21-\x7e]*$/);
  });

  it("does not trust a body that is not well-formed JSON", () => {
    const scanner = new JsonBodyScanner();
    scanner.write(Buffer.from('{"name":"rocket","versions":{"1.0.0":{}},"_attachments":{"x":{"data":"AA'));
    expect(readOperation({ method: "PUT", path: "/rocket", registryHost, body: scanner.end() })).toMatchObject({
      action: "deprecate",
      package: { name: "rocket" },
    });
  });
});
