import { describe, expect, it } from "vitest";
import { ConfigError } from "./config.js";
import { createLogger, logContext, logFormatFor, parseLogLevel } from "./logger.js";

function capture(format: "standalone" | "cloud") {
  const lines: { level: string; entry: Record<string, unknown> }[] = [];
  const log = createLogger("debug", (level, line) => lines.push({ level, entry: JSON.parse(line) }), format);
  return { log, lines };
}

describe("createLogger", () => {
  it("on Google Cloud writes severity and message, which Cloud Logging reads the level from", () => {
    const { log, lines } = capture("cloud");
    log.info("request created", { requestId: "r1" });
    log.warn("push failed", { deviceId: "d1" });
    log.error("unexpected error", { error: "TypeError: x" });
    expect(lines.map((line) => line.entry)).toEqual([
      { severity: "INFO", message: "request created", requestId: "r1" },
      { severity: "WARNING", message: "push failed", deviceId: "d1" },
      {
        severity: "ERROR",
        message: "unexpected error",
        "@type": "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent",
        error: "TypeError: x",
      },
    ]);
  });

  it("standalone keeps time, level and msg", () => {
    const { log, lines } = capture("standalone");
    log.info("request created", { requestId: "r1" });
    expect(lines[0]?.entry).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: "info",
      msg: "request created",
      requestId: "r1",
    });
  });

  it("adds the fields of the surrounding log context to every line", () => {
    const { log, lines } = capture("standalone");
    logContext.run({ requestId: "0b9f…" }, () => log.info("request created"));
    log.info("outside");
    expect(lines[0]?.entry.requestId).toBe("0b9f…");
    expect(lines[1]?.entry).not.toHaveProperty("requestId");
  });
});

describe("logFormatFor", () => {
  it("is cloud as a Cloud Function or on Cloud Run, standalone otherwise", () => {
    expect(logFormatFor({ FUNCTION_TARGET: "api" })).toBe("cloud");
    expect(logFormatFor({ K_SERVICE: "api" })).toBe("cloud");
    expect(logFormatFor({})).toBe("standalone");
  });
});

describe("parseLogLevel", () => {
  it("takes the five levels in any case, info when unset", () => {
    expect(parseLogLevel(" WARN ")).toBe("warn");
    expect(parseLogLevel(undefined)).toBe("info");
    expect(parseLogLevel("")).toBe("info");
  });

  it("refuses anything else", () => {
    expect(() => parseLogLevel("verbose")).toThrow(ConfigError);
  });
});
