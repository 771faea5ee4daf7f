import { describe, expect, it } from "vitest";
import { firstCommand } from "./firstCommand.js";

describe("firstCommand", () => {
  it("names the command a script starts with", () => {
    expect(firstCommand("npm publish --tag next")).toBe("npm");
    expect(firstCommand("  pnpm -r publish\n")).toBe("pnpm");
  });

  it("skips variable assignments and quotes", () => {
    expect(firstCommand("NODE_ENV=production npm publish")).toBe("npm");
    expect(firstCommand("'yarn' npm publish")).toBe("yarn");
  });

  it("names the shell builtin when the script starts with one", () => {
    expect(firstCommand("cd packages/rocket && npm publish")).toBe("cd");
  });
});
