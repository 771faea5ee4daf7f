import { describe, expect, it } from "vitest";
import { expectUsageFailure } from "../testing/expectUsageFailure.js";
import { parseCliArgs, parseWaitSeconds } from "./parseCliArgs.js";

describe("parseCliArgs", () => {
  it("reads otp options", () => {
    const result = parseCliArgs(["otp", "--wait", "60", "--json", "--package", "@scope/pkg@1.2.3", "--verbose"]);
    expect(result).toEqual({
      ok: true,
      value: {
        command: "otp",
        options: {
          url: undefined,
          server: undefined,
          package: "@scope/pkg@1.2.3",
          wait: 60,
          json: true,
          verbose: true,
          oidc: true,
        },
      },
    });
  });

  it("passes everything after the first non-option word to the exec command untouched", () => {
    const result = parseCliArgs(["exec", "--wait", "30", "npm", "publish", "--tag", "next", "--json"]);
    expect(result.ok && result.value).toMatchObject({
      command: "exec",
      options: { wait: 30, json: false },
      argv: ["npm", "publish", "--tag", "next", "--json"],
    });
  });

  it("splits exec at --", () => {
    const result = parseCliArgs(["exec", "--no-oidc", "--", "--weird-command", "x"]);
    expect(result.ok && result.value).toMatchObject({
      command: "exec",
      options: { oidc: false },
      argv: ["--weird-command", "x"],
    });
  });

  it("gives help and version", () => {
    expect(parseCliArgs([])).toEqual({ ok: true, value: { command: "help", topic: undefined } });
    expect(parseCliArgs(["--help"])).toEqual({ ok: true, value: { command: "help", topic: undefined } });
    expect(parseCliArgs(["help", "exec"])).toEqual({ ok: true, value: { command: "help", topic: "exec" } });
    expect(parseCliArgs(["otp", "-h"])).toEqual({ ok: true, value: { command: "help", topic: "otp" } });
    expect(parseCliArgs(["exec", "--help"])).toEqual({ ok: true, value: { command: "help", topic: "exec" } });
    expect(parseCliArgs(["--version"])).toEqual({ ok: true, value: { command: "version" } });
  });

  it.each([
    [["publish"], /Unknown command "publish"/],
    [["otp", "--bogus"], /^Unknown option --bogus\./],
    [["otp", "extra"], /takes no arguments/],
    [["otp", "--wait", "soon"], /--wait must be a whole number/],
    [["otp", "--wait", "-5"], /--wait|argument/],
    [["otp", "--url", "https://a/api/v1/otp/x", "--server", "https://a"], /one of --url .* or --server/],
    [["exec"], /needs a command/],
    [["exec", "--json", "npm", "publish"], /--json` is for `countersign otp`/],
  ])("refuses %j as a usage error", (argv, message) => {
    expectUsageFailure(parseCliArgs(argv), message);
  });
});

describe("parseWaitSeconds", () => {
  it("accepts whole seconds up to a day", () => {
    expect(parseWaitSeconds("0")).toBe(0);
    expect(parseWaitSeconds(" 300 ")).toBe(300);
    expect(parseWaitSeconds("86400")).toBe(86400);
    expect(parseWaitSeconds("86401")).toBeUndefined();
    expect(parseWaitSeconds("1.5")).toBeUndefined();
    expect(parseWaitSeconds("")).toBeUndefined();
  });
});

describe("exec's mode and run", () => {
  it("reads --mode and --run for exec", () => {
    expect(parseCliArgs(["exec", "--mode", "relay", "--run", "600", "--", "npm", "publish"])).toMatchObject({
      ok: true,
      value: { command: "exec", options: { mode: "relay", run: 600 }, argv: ["npm", "publish"] },
    });
    expect(parseCliArgs(["exec", "--run", "0", "npm", "publish"])).toMatchObject({
      ok: true,
      value: { options: { run: 0 } },
    });
  });

  it.each([
    [["exec", "--mode", "later", "npm"], /--mode is auto, relay or before/],
    [["exec", "--run", "30", "npm"], /--run is 0 or/],
    [["exec", "--run", "1801", "npm"], /--run is 0 or/],
    [["exec", "--run", "ten", "npm"], /--run is 0 or/],
    [["otp", "--mode", "relay"], /are for `countersign exec`/],
  ])("refuses %j", (argv, message) => {
    const parsed = parseCliArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.failure.message).toMatch(message);
  });
});
