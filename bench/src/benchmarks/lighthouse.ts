import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PWA_CONTENT_SECURITY_POLICY, securityHeaderList } from "@countersign/functions/dist/http/securityHeaders.js";
import { chromium } from "@playwright/test";
import * as chromeLauncher from "chrome-launcher";
import lighthouse, { type Flags } from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import { CHROMIUM_ARGS, chromiumPath } from "../../../e2e/helpers/chromium.js";
import { type ServerProcess, startServerProcess } from "../lib/serverProcess.js";

/** One Lighthouse run of one screen. */
export interface LighthouseRun {
  performance: number;
  accessibility: number;
  bestPractices: number;
  /** Largest Contentful Paint, ms (simulated throttling). */
  lcpMs: number;
  cls: number;
  /** Total Blocking Time, ms. */
  tbtMs: number;
  /** Bytes the page transferred (Lighthouse's total-byte-weight: compressed sizes on the wire). */
  bytes: number;
  /** What Lighthouse named as the LCP element (a CSS selector and its text). */
  lcpElement: string;
  /** The elements that moved, when anything did (Lighthouse's layout-shifts audit). */
  shifted: string[];
}

export interface LighthouseScreenResult {
  screen: string;
  preset: "mobile" | "desktop";
  runs: LighthouseRun[];
}

/** The flags ENVIRONMENT.md gives for Lighthouse on the system Chromium. */
const CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu"];

const ACCOUNTS = [
  "otpauth://totp/npm:alice?secret=JBSWY3DPEHPK3PXP&issuer=npm",
  "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub",
  "otpauth://totp/RubyGems:alice?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&issuer=RubyGems",
];

interface Screen {
  name: string;
  /** The server the page is on, when not the app's (the reference page's). */
  origin?: string;
  /** The URL to audit (the origin is added). */
  path: () => Promise<string>;
  /** A profile holding this device's IndexedDB (paired, accounts); none: a new visitor (Lighthouse clears storage). */
  seeded: boolean;
}

/**
 * The yardstick each run of the screens is read against: a page with nothing in it (a heading and
 * a line of text: no script, no stylesheet, no image) sent with the headers the app's pages get.
 * Its performance, LCP and blocking time are what Chromium and the headers cost on this machine
 * in this run; `Cross-Origin-Opener-Policy` alone gives the page a renderer process of its own,
 * whose start Lighthouse's first paint waits for (docs/benchmarks.md, "Stop 33").
 */
export const REFERENCE_SCREEN = "reference: an empty page, the app's headers";

async function startReferencePage(): Promise<{ origin: string; close(): Promise<void> }> {
  const page = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="description" content="An empty page, to measure what the browser and the headers cost.">',
    '<link rel="icon" href="data:,"><title>Reference</title></head>',
    "<body><main><h1>Reference</h1><p>A heading and a line of text, and nothing else.</p></main></body></html>",
  ].join("");
  // The headers the standalone server gives its pages over plain http (securityHeaderList: their one source).
  const headers = (kind: "document" | "subresource") =>
    Object.fromEntries(securityHeaderList(PWA_CONTENT_SECURITY_POLICY, false, kind));
  const documentHeaders = {
    ...headers("document"),
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-cache",
  };
  const server = createServer((request, response) => {
    if (request.url === "/reference") response.writeHead(200, documentHeaders).end(page);
    else response.writeHead(404, headers("subresource")).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "localhost", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Pairs a phone in a persistent Chromium profile through the app itself,
 * adds three accounts and creates a CI link. Then removes the service
 * worker, Cache Storage and the HTTP cache from the profile on disk and
 * keeps the rest (IndexedDB: the device key and the vault), so each run
 * starts as a paired phone whose browser has none of the app's files: a
 * first load over the network, not one from the service worker.
 */
async function seedProfile(server: ServerProcess): Promise<{ profile: string; linkToken: string }> {
  const profile = mkdtempSync(join(tmpdir(), "countersign-lh-seed-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.pairUrl);
    // pair.html paints the form from markup; it pairs once the app has taken over (and read the code).
    await page.locator("#first-paint").waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Pair this device" }).click();
    await page.getByRole("button", { name: "Pair this device" }).waitFor({ state: "hidden" });
    const save = page.getByRole("button", { name: "I saved it" });
    if (await save.isVisible()) await save.click();
    for (const uri of ACCOUNTS) {
      await page.getByRole("link", { name: "Add account" }).click();
      await page.getByRole("button", { name: "Paste" }).click();
      await page.getByLabel("otpauth:// link").fill(uri);
      await page.getByRole("button", { name: "Add account" }).click();
      await page
        .getByRole("link", { name: /^Details for / })
        .nth(ACCOUNTS.indexOf(uri))
        .waitFor();
    }
    await page.getByRole("link", { name: "Details for npm: alice" }).click();
    await page.getByLabel("Link name").fill("CI");
    await page.getByRole("button", { name: "Create CI link" }).click();
    const linkToken = await page.getByLabel("Token").inputValue();
    // Left on the app, the browser would reopen it at the next start (session restore) and install
    // the service worker before Lighthouse navigates, so that run would load nothing from the network.
    await page.goto("about:blank");
    return { profile, linkToken };
  } finally {
    await context.close();
    for (const dir of ["Service Worker", "Cache", "Code Cache", "Sessions"]) {
      rmSync(join(profile, "Default", dir), { recursive: true, force: true });
    }
  }
}

/** A CI request left pending (the CI call gives up after a second; the request stays answerable). */
async function pendingRequest(origin: string, linkToken: string): Promise<string> {
  const response = await fetch(`${origin}/api/v1/otp`, {
    method: "POST",
    headers: { authorization: `Bearer ${linkToken}`, accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({
      package: { name: "rocket", version: "4.2.0" },
      context: {
        repository: "acme/rocket",
        workflow: "release.yml",
        ref: "refs/tags/v4.2.0",
        runUrl: "https://github.com/acme/rocket/actions/runs/4242",
      },
      wait: 1,
    }),
  });
  const body = (await response.json()) as { requestId?: string };
  if (response.status !== 408 || !body.requestId) throw new Error(`expected a pending request, got ${response.status}`);
  return body.requestId;
}

/**
 * One audit, tried again (up to twice) when Lighthouse reports that its own
 * trace failed (NO_NAVSTART and the like happen now and then on a loaded
 * machine) or the page did not come from the network; the page's own errors
 * are not retried. With a seeded profile, each attempt runs in its own copy of
 * it: a run installs the service worker and fills the caches.
 */
async function auditWithRetry(url: () => Promise<string>, preset: "mobile" | "desktop", seed?: string) {
  for (let attempt = 1; ; attempt++) {
    const profile = seed ? mkdtempSync(join(tmpdir(), "countersign-lh-run-")) : undefined;
    if (seed && profile) cpSync(seed, profile, { recursive: true });
    try {
      return await audit(await url(), preset, profile);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof LighthouseRuntimeError)) throw error;
    } finally {
      if (profile) rmSync(profile, { recursive: true, force: true });
    }
  }
}

class LighthouseRuntimeError extends Error {}

async function audit(url: string, preset: "mobile" | "desktop", profile?: string): Promise<LighthouseRun> {
  const chrome = await chromeLauncher.launch({
    chromePath: chromiumPath() ?? "/usr/bin/chromium",
    chromeFlags: CHROME_FLAGS,
    ...(profile ? { userDataDir: profile } : {}),
  });
  try {
    const flags: Flags = {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: ["performance", "accessibility", "best-practices"],
      // A seeded profile keeps its IndexedDB (the pairing and the vault); its caches were removed on disk.
      disableStorageReset: profile !== undefined,
    };
    const result = await lighthouse(url, flags, preset === "desktop" ? desktopConfig : undefined);
    const lhr = result?.lhr;
    if (!lhr) throw new Error(`Lighthouse returned nothing for ${url}`);
    if (process.env.BENCH_LIGHTHOUSE_SAVE) {
      // The whole report, to open in Lighthouse's viewer or read with jq.
      const name = `${preset}-${new URL(url).pathname.split("/")[1] || "home"}-${Date.now()}.json`;
      mkdirSync(process.env.BENCH_LIGHTHOUSE_SAVE, { recursive: true });
      writeFileSync(join(process.env.BENCH_LIGHTHOUSE_SAVE, name), JSON.stringify(lhr));
      // And the trace it simulated from (chrome://tracing or DevTools' Performance panel open it).
      const trace = (result.artifacts as { Trace?: unknown }).Trace;
      if (trace)
        writeFileSync(
          join(process.env.BENCH_LIGHTHOUSE_SAVE, name.replace(/\.json$/, ".trace.json")),
          JSON.stringify(trace),
        );
    }
    if (lhr.runtimeError)
      throw new LighthouseRuntimeError(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const documentRequest = (
      lhr.audits["network-requests"]?.details as { items?: { url: string; transferSize?: number }[] } | undefined
    )?.items?.[0];
    if (!documentRequest?.transferSize) {
      // The page came from a cache or a service worker: not the network load this benchmark measures.
      throw new LighthouseRuntimeError(`the page was not loaded from the network (${documentRequest?.url})`);
    }
    const score = (id: string) => Math.round((lhr.categories[id]?.score ?? Number.NaN) * 100);
    const value = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
    const lcpItems = (lhr.audits["largest-contentful-paint-element"]?.details as { items?: unknown[] } | undefined)
      ?.items;
    const lcpNode = JSON.stringify(lcpItems?.[0] ?? "").match(/"selector":"([^"]*)".*?"nodeLabel":"([^"]*)"/);
    const shiftItems = (
      lhr.audits["layout-shifts"]?.details as { items?: { node?: { selector?: string } }[] } | undefined
    )?.items;
    return {
      shifted: (shiftItems ?? []).map((item) => item.node?.selector ?? "?"),
      performance: score("performance"),
      accessibility: score("accessibility"),
      bestPractices: score("best-practices"),
      lcpMs: value("largest-contentful-paint"),
      cls: value("cumulative-layout-shift"),
      tbtMs: value("total-blocking-time"),
      bytes: value("total-byte-weight"),
      lcpElement: lcpNode ? `${lcpNode[1]} “${lcpNode[2]?.slice(0, 40)}”` : "?",
    };
  } finally {
    chrome.kill();
  }
}

/**
 * Lighthouse (mobile and desktop presets, simulated throttling) against the
 * real server process, as `npm start` runs it: the code list of a new phone
 * (empty) and of a paired one with three accounts, the pairing screen, and the
 * approval screen of a pending CI request. `runs` runs of each.
 */
export async function benchLighthouse(options: {
  runs: number;
  presets?: ("mobile" | "desktop")[];
  /** Only the screens whose name contains one of these ("approval", "pairing", …); all when absent. */
  screens?: string[];
  log?: (line: string) => void;
}): Promise<LighthouseScreenResult[]> {
  // The origin is localhost, as a phone's is a name: the app's pages are served on it, the API too.
  const server = await startServerProcess({ host: "localhost", env: { COUNTERSIGN_MAX_PENDING_PER_LINK: "100" } });
  const origin = server.origin;
  const { profile: seed, linkToken } = await seedProfile(server);
  const reference = await startReferencePage();
  const screens: Screen[] = [
    { name: REFERENCE_SCREEN, origin: reference.origin, path: async () => "/reference", seeded: false },
    { name: "code list, new phone (empty)", path: async () => "/", seeded: false },
    { name: "code list, 3 accounts", path: async () => "/", seeded: true },
    { name: "pairing screen", path: async () => `/pair#code=${server.setupCode}`, seeded: false },
    {
      name: "approval screen",
      path: async () => `/approve/${encodeURIComponent(await pendingRequest(origin, linkToken))}`,
      seeded: true,
    },
  ];
  const results: LighthouseScreenResult[] = [];
  try {
    // Screen by screen: the approval screen's pending requests come last, so the code list never shows them.
    // The reference page always runs: the screens are read against it, in the same run.
    const chosen = (s: Screen) =>
      s.name === REFERENCE_SCREEN || !options.screens?.length || options.screens.some((n) => s.name.includes(n));
    for (const screen of screens.filter(chosen)) {
      for (const preset of options.presets ?? ["mobile", "desktop"]) {
        const result: LighthouseScreenResult = { screen: screen.name, preset, runs: [] };
        for (let i = 0; i < options.runs; i++) {
          const url = async () => `${screen.origin ?? origin}${await screen.path()}`;
          const run = await auditWithRetry(url, preset, screen.seeded ? seed : undefined);
          result.runs.push(run);
          options.log?.(
            `  ${preset} ${screen.name} #${i + 1}: performance ${run.performance}, accessibility ${run.accessibility}, best practices ${run.bestPractices}, LCP ${run.lcpMs.toFixed(0)} ms, CLS ${run.cls.toFixed(3)}, TBT ${run.tbtMs.toFixed(0)} ms, ${(run.bytes / 1024).toFixed(1)} KB; LCP element ${run.lcpElement}${run.shifted.length ? `; shifted: ${run.shifted.join(", ")}` : ""}`,
          );
        }
        results.push(result);
      }
    }
    return results;
  } finally {
    await reference.close();
    await server.kill("SIGTERM");
    rmSync(seed, { recursive: true, force: true });
  }
}
