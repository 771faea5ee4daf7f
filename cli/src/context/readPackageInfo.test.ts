import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parsePackageSpec, readPackageJson } from "./readPackageInfo.js";

describe("parsePackageSpec", () => {
  it("handles plain and scoped names with and without versions", () => {
    expect(parsePackageSpec("left-pad@1.3.0")).toEqual({ name: "left-pad", version: "1.3.0" });
    expect(parsePackageSpec("@scope/pkg@2.0.0-beta.1")).toEqual({ name: "@scope/pkg", version: "2.0.0-beta.1" });
    expect(parsePackageSpec("@scope/pkg")).toEqual({ name: "@scope/pkg" });
    expect(parsePackageSpec("rails")).toEqual({ name: "rails" });
    expect(parsePackageSpec("pkg@")).toEqual({ name: "pkg" });
    expect(parsePackageSpec("")).toBeUndefined();
    expect(parsePackageSpec("@")).toBeUndefined();
  });
});

describe("readPackageJson", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads name and version, and tolerates a missing or broken file", async () => {
    dir = await mkdtemp(join(tmpdir(), "cs-pkg-"));
    expect(await readPackageJson(dir)).toBeUndefined();
    await writeFile(join(dir, "package.json"), "{ not json");
    expect(await readPackageJson(dir)).toBeUndefined();
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "@acme/rocket", version: "4.5.6" }));
    expect(await readPackageJson(dir)).toEqual({ name: "@acme/rocket", version: "4.5.6" });
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "private-thing" }));
    expect(await readPackageJson(dir)).toEqual({ name: "private-thing" });
  });
});
