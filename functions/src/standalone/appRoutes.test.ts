import { describe, expect, it } from "vitest";
import { matchRoute } from "../../../web/src/ui/router.js";
import { isAppRoute } from "./appRoutes.js";

/** Paths of every kind: each app route, near misses, files, probes. */
const PATHS = [
  "/",
  "/index.html",
  "/pair",
  "/recover",
  "/add",
  "/settings",
  "/accounts/a1",
  "/accounts/a%20b",
  "/approve/r1",
  "/accounts",
  "/accounts/a1/links",
  "/approve",
  "/approve/r1/",
  "/pair/",
  "/settings/x",
  "/healthz",
  "/metrics",
  "/favicon.ico",
  "/sw.js",
  "/api",
];

describe("isAppRoute", () => {
  it("agrees with the app's router on which paths are pages", () => {
    for (const path of PATHS) expect(isAppRoute(path), path).toBe(matchRoute(path).name !== "not-found");
  });
});
