import { describe, expect, it } from "vitest";
import { chooseExecMode } from "./chooseExecMode.js";

describe("chooseExecMode", () => {
  it.each([
    [["npm", "publish"], "relay"],
    [["/usr/local/bin/pnpm", "publish", "-r"], "relay"],
    [["yarn", "npm", "publish"], "relay"],
    [["npx", "changeset", "publish"], "relay"],
    [["changeset", "publish"], "relay"],
    [["semantic-release"], "relay"],
    [["lerna", "publish", "from-package"], "relay"],
    [["npm.cmd", "publish"], "relay"],
    [["/usr/bin/node", "/x/node_modules/npm/bin/npm-cli.js", "publish"], "relay"],
    [["node", "node_modules/pnpm/bin/pnpm.cjs", "publish"], "relay"],
    [["gem", "push", "rocket-1.0.0.gem"], "before"],
    [["./scripts/release.sh"], "before"],
    [["node", "scripts/release.js"], "before"],
  ])("runs %j in %s mode by default", (argv, mode) => {
    expect(chooseExecMode(undefined, argv)).toEqual({ ok: true, value: mode });
    expect(chooseExecMode("auto", argv)).toEqual({ ok: true, value: mode });
  });

  it("does what it is told", () => {
    expect(chooseExecMode("relay", ["./scripts/release.sh"])).toEqual({ ok: true, value: "relay" });
    expect(chooseExecMode("BEFORE", ["npm", "publish"])).toEqual({ ok: true, value: "before" });
    expect(chooseExecMode("sometimes", ["npm"])).toMatchObject({ ok: false, failure: { kind: "usage" } });
  });
});
