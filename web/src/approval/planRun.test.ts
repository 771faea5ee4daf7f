import { MAX_RUN_CODES } from "@countersign/shared";
import { describe, expect, it } from "vitest";
import { planRun } from "./planRun.js";

/** 10 s into a 30-s step. */
const NOW = Date.UTC(2026, 10, 22, 12, 0, 10);

describe("planRun", () => {
  it("covers every step from now to the end of the run CI offered", () => {
    const plan = planRun({ createdAt: NOW - 5_000, run: { seconds: 600 } }, 30, NOW);
    // The run ends at 12:10:05: the steps from 12:00:00 to 12:10:00, the last one valid until 12:10:30.
    expect(plan).toEqual({ until: NOW - 5_000 + 600_000, count: 21 });
  });

  it("counts from the approval, not from the request: a late approval sends fewer codes", () => {
    // The run ends at 12:05:10: the steps from 12:00:00 to 12:05:00.
    expect(planRun({ createdAt: NOW - 300_000, run: { seconds: 600 } }, 30, NOW)?.count).toBe(11);
  });

  it("is null without a run offer, or when the run ends within the two steps an answer covers anyway", () => {
    expect(planRun({ createdAt: NOW, run: null }, 30, NOW)).toBeNull();
    expect(planRun({ createdAt: NOW - 560_000, run: { seconds: 600 } }, 30, NOW)).toBeNull();
  });

  it("stops at MAX_RUN_CODES for a short period, and says when the codes end", () => {
    const plan = planRun({ createdAt: NOW, run: { seconds: 1800 } }, 10, NOW);
    expect(plan).toEqual({ until: Date.UTC(2026, 10, 22, 12, 0, 10) + MAX_RUN_CODES * 10_000, count: MAX_RUN_CODES });
  });
});
