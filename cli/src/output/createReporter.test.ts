import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { createReporter } from "./createReporter.js";

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  return { stream, text: () => text };
}

describe("createReporter", () => {
  it("writes timestamped lines in CI logs, repeating the wait with elapsed seconds", async () => {
    vi.useFakeTimers({ now: Date.parse("2026-11-22T05:00:00Z") });
    try {
      const out = capture(false);
      const reporter = createReporter({ stderr: out.stream, redact: (t) => t, verbose: false, plainInterval: 15_000 });
      reporter.info("Asking for a code.");
      reporter.startWaiting();
      vi.advanceTimersByTime(30_000);
      reporter.stopWaiting();
      reporter.debug("hidden without --verbose");
      await Promise.resolve();
      expect(out.text()).toBe(
        [
          "2026-11-22T05:00:00Z Asking for a code.",
          "2026-11-22T05:00:00Z Waiting for approval on your phone…",
          "2026-11-22T05:00:15Z Still waiting for approval… 15 s",
          "2026-11-22T05:00:30Z Still waiting for approval… 30 s",
          "",
        ].join("\n"),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("draws a spinner with elapsed seconds on a terminal and clears it for messages", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const out = capture(true);
      const reporter = createReporter({ stderr: out.stream, redact: (t) => t.replace("secret", "[x]"), verbose: true });
      reporter.startWaiting();
      vi.advanceTimersByTime(42_000);
      reporter.debug("about secret");
      reporter.stopWaiting();
      await Promise.resolve();
      const text = out.text();
      expect(text).toContain("Waiting for approval on your phone… 42 s");
      expect(text).toContain("\r\x1b[2K[debug] about [x]\n");
      expect(text).not.toContain("secret");
      expect(text.endsWith("\r\x1b[2K")).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
