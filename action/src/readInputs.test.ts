import { describe, expect, it } from "vitest";
import { readInputs } from "./readInputs.js";

describe("readInputs", () => {
  it("reads the inputs GitHub passes as INPUT_* variables", () => {
    expect(
      readInputs({
        INPUT_URL: " https://otp.example.com/api/v1/otp/cs_x ",
        INPUT_RUN: "npm publish",
        INPUT_WAIT: "600",
        INPUT_MODE: "relay",
      }),
    ).toEqual({
      ok: true,
      inputs: { url: "https://otp.example.com/api/v1/otp/cs_x", run: "npm publish", wait: "600", mode: "relay" },
    });
  });

  it("defaults mode to auto and leaves wait to the CLI", () => {
    expect(readInputs({ INPUT_URL: "https://x/api/v1/otp/cs_x", INPUT_RUN: "npm publish", INPUT_WAIT: "" })).toEqual({
      ok: true,
      inputs: { url: "https://x/api/v1/otp/cs_x", run: "npm publish", mode: "auto" },
    });
  });

  it("says which required input is missing", () => {
    expect(readInputs({ INPUT_RUN: "npm publish" })).toMatchObject({ ok: false, message: /`url` is required/ });
    expect(readInputs({ INPUT_URL: "https://x/api/v1/otp/cs_x" })).toMatchObject({
      ok: false,
      message: /`run` is required/,
    });
  });
});
