#!/usr/bin/env node
// Firebase smoke test: the real Firebase functions emulator runs the deployable `api`
// function (dist/firebase-functions, built as for `firebase deploy`) over the in-process
// Firestore fake, and the CI contract is driven through the function's URL: a device
// (its own process) pairs, creates an account and a link; CI asks for a code and waits;
// the device approves; the code reaches CI. The emulator runs concurrent requests in
// separate worker processes, so the answer meets the waiting call only through Firestore.
//
//   node scripts/firebase-smoke.mjs
//
// Installs firebase-tools 15 into its own prefix when missing (COUNTERSIGN_FIREBASE_TOOLS_DIR,
// default ~/.cache/countersign/firebase-tools; ~25 s once). Needs Node 20+, no Java.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PROJECT = "demo-countersign";
const REGION = "us-central1";
const started = Date.now();
const results = [];
const cleanups = [];

function log(message) {
  process.stdout.write(`firebase-smoke: ${message}\n`);
}

function check(name, ok, detail = "") {
  results.push({ name, ok });
  process.stdout.write(`${ok ? "  ok  " : "  FAIL"} ${name}${ok || !detail ? "" : ` — ${detail}`}\n`);
  return ok;
}

async function cleanup() {
  for (const step of cleanups.reverse()) {
    try {
      await step();
    } catch {}
  }
}

async function fail(message) {
  process.stderr.write(`firebase-smoke: FAILED: ${message}\n`);
  await cleanup();
  const passed = results.filter((r) => r.ok).length;
  process.stdout.write(`${passed} passed, ${results.length - passed + 1} failed\n`);
  process.exit(1);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function ensureFirebaseTools() {
  const prefix = process.env.COUNTERSIGN_FIREBASE_TOOLS_DIR || join(homedir(), ".cache/countersign/firebase-tools");
  const bin = join(prefix, "node_modules/.bin/firebase");
  if (!existsSync(bin)) {
    log(`installing firebase-tools 15 into ${prefix} (once)`);
    execFileSync(
      "npm",
      ["install", "--prefix", prefix, "--omit=optional", "--no-audit", "--no-fund", "firebase-tools@15"],
      {
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
  }
  return bin;
}

/** The device process: one JSON line answered per command line. */
function startDevice() {
  const child = spawn(process.execPath, [join(root, "scripts/firebase/smoke-device.mjs")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  cleanups.push(() => child.kill());
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return async (command) => {
    child.stdin.write(`${command}\n`);
    const { value, done } = await replies.next();
    if (done) throw new Error("the device process ended");
    const reply = JSON.parse(value);
    if (!reply.ok) throw new Error(`device: ${reply.error}`);
    return reply;
  };
}

async function waitForHealth(url, emulator, logFile) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (emulator.exitCode !== null) await fail(`the emulator exited (${emulator.exitCode}); see ${logFile}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (response.ok) return response.json();
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  await fail(`the function did not answer ${url} within 120 s; see ${logFile}`);
}

/** firebase.json as Hosting applies it: SPA fallback, /api/** to the function, caching right for a service worker. */
async function checkHosting(origin) {
  const get = (path) => fetch(origin + path, { redirect: "manual" });
  const api = await get("/api/v1/health");
  const apiBody = await api.json().catch(() => null);
  check(
    "Hosting rewrites /api/** to the function (and leaves its no-store alone)",
    api.status === 200 && apiBody?.store === "firestore" && api.headers.get("cache-control") === "no-store",
    `${api.status} ${api.headers.get("cache-control")}`,
  );
  const sw = await get("/sw.js");
  const swCache = sw.headers.get("cache-control") ?? "";
  check(
    "the service worker is never cached (no-cache)",
    sw.status === 200 && swCache.includes("no-cache"),
    `${sw.status} ${swCache}`,
  );
  const page = await get("/pair");
  const pageText = await page.text();
  check(
    "app routes fall back to index.html, revalidated on every load",
    page.status === 200 && pageText.includes("<html") && page.headers.get("cache-control") === "no-cache",
    `${page.status} ${page.headers.get("cache-control")}`,
  );
  const asset = readdirSync(join(root, "web/dist/assets")).find((name) => name.endsWith(".js"));
  const hashed = await get(`/assets/${asset}`);
  check(
    "hashed /assets/** are cached for a year, immutable",
    hashed.status === 200 && (hashed.headers.get("cache-control") ?? "").includes("immutable"),
    `${asset} ${hashed.status} ${hashed.headers.get("cache-control")}`,
  );
}

async function main() {
  const firebase = ensureFirebaseTools();
  execFileSync("npx", ["tsc", "-b"], { cwd: root, stdio: "inherit" });
  if (!existsSync(join(root, "web/dist/index.html"))) {
    log("building the PWA (web/dist) for Hosting");
    execFileSync("npm", ["run", "build", "-w", "web"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  }
  const { prepareFunctions } = await import("./firebase/prepare-functions.mjs");
  const sourceDir = prepareFunctions("--link");

  const { default: webpush } = await import(join(root, "node_modules/web-push/src/index.js"));
  const vapid = webpush.generateVAPIDKeys();
  const setupCode = randomBytes(10).toString("hex").toUpperCase();
  const [functionsPort, hostingPort, hubPort, loggingPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const hostingUrl = `http://127.0.0.1:${hostingPort}`;
  const functionUrl = `http://127.0.0.1:${functionsPort}/${PROJECT}/${REGION}/api`;
  writeFileSync(
    join(sourceDir, ".secret.local"),
    `COUNTERSIGN_SETUP_CODE=${setupCode}\nCOUNTERSIGN_VAPID_PRIVATE_KEY=${vapid.privateKey}\n`,
  );
  writeFileSync(
    join(sourceDir, ".env"),
    [
      `COUNTERSIGN_VAPID_PUBLIC_KEY=${vapid.publicKey}`,
      `COUNTERSIGN_PUBLIC_URL=${hostingUrl}`,
      "COUNTERSIGN_MAX_WAIT=60",
      "COUNTERSIGN_LOG_LEVEL=warn",
      "",
    ].join("\n"),
  );

  const { startFirestoreFake } = await import(join(root, "functions/dist/store/firestore/startFirestoreFake.js"));
  const fake = await startFirestoreFake();
  cleanups.push(() => fake.stop());

  // The repository's Hosting configuration, as deployed; only paths and ports differ.
  const { hosting } = JSON.parse(readFileSync(join(root, "firebase.json"), "utf8"));
  const config = join(root, "dist/firebase.smoke.json");
  writeFileSync(
    config,
    JSON.stringify({
      hosting: { ...hosting, public: "../web/dist", predeploy: undefined },
      functions: [{ source: "firebase-functions", codebase: "default", runtime: "nodejs22" }],
      emulators: {
        functions: { host: "127.0.0.1", port: functionsPort },
        hosting: { host: "127.0.0.1", port: hostingPort },
        hub: { host: "127.0.0.1", port: hubPort },
        logging: { host: "127.0.0.1", port: loggingPort },
        ui: { enabled: false },
        singleProjectMode: true,
      },
    }),
  );
  const logFile = join(root, "dist/firebase-smoke.log");
  const logStream = createWriteStream(logFile);
  const emulator = spawn(
    firebase,
    ["emulators:start", "--debug", "--only", "functions,hosting", "--project", PROJECT, "--config", config],
    {
      cwd: join(root, "dist"),
      detached: true,
      env: {
        ...process.env,
        METADATA_SERVER_DETECTION: "none",
        FIRESTORE_EMULATOR_HOST: fake.host,
        NO_UPDATE_NOTIFIER: "1",
        CI: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  emulator.stdout.pipe(logStream);
  emulator.stderr.pipe(logStream);
  cleanups.push(
    () =>
      new Promise((done) => {
        if (emulator.exitCode !== null) return done();
        const force = setTimeout(() => {
          try {
            process.kill(-emulator.pid, "SIGKILL");
          } catch {}
          done();
        }, 15_000);
        emulator.once("exit", () => {
          clearTimeout(force);
          done();
        });
        try {
          process.kill(-emulator.pid, "SIGINT");
        } catch {
          done();
        }
      }),
  );
  log(`emulator starting (log: ${logFile}), Firestore fake at ${fake.host}`);

  const health = await waitForHealth(`${functionUrl}/api/v1/health`, emulator, logFile);
  check(
    "the api function answers /api/v1/health on Firestore",
    health?.status === "ok" && health?.store === "firestore",
    JSON.stringify(health),
  );

  await checkHosting(hostingUrl);

  // The phone talks to the Hosting origin, as the installed PWA does; CI calls the function's own URL.
  const device = startDevice();
  const { linkUrl } = await device(`setup ${hostingUrl} ${setupCode}`);
  const token = new URL(linkUrl).pathname.split("/").pop();
  check(
    "a device pairs through Hosting and creates an account and a CI link on the public origin",
    linkUrl.startsWith(`${hostingUrl}/api/v1/otp/cs_`) && /^cs_[A-Za-z0-9_-]{32}$/.test(token ?? ""),
    linkUrl,
  );
  const otpUrl = `${functionUrl}/api/v1/otp/${token}`;

  // CI waits (long poll) while the device, another process, approves through another worker.
  const ciCall = fetch(otpUrl, {
    method: "POST",
    signal: AbortSignal.timeout(90_000),
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ package: { name: "smoke-pkg", version: "1.0.0" }, wait: 45 }),
  });
  const { requestId } = await device("answer approve");
  const answered = await ciCall;
  const otp = (await answered.text()).trim();
  const { generateTotp } = await import(join(root, "shared/dist/index.js"));
  const { TOTP } = await import("./firebase/smoke-totp.mjs");
  const now = Date.now();
  const valid = [await generateTotp(TOTP, now), await generateTotp(TOTP, now - 30_000)];
  check(
    "CI's waiting call gets the approved code",
    answered.status === 200 && valid.includes(otp),
    `${answered.status} ${otp}`,
  );

  // `--debug` makes the emulator log its worker pool: the waiting call held one worker, so the
  // approval had to run in another process and reached the waiting call only through Firestore.
  const workers = Math.max(
    0,
    ...[...readFileSync(logFile, "utf8").matchAll(/Adding worker with key us-central1-api, total=(\d+)/g)].map((m) =>
      Number(m[1]),
    ),
  );
  check("the approval ran in another worker process than the waiting call", workers >= 2, `${workers} worker(s)`);

  const again = await fetch(`${functionUrl}/api/v1/requests/${requestId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  check(
    "the code is delivered once (resuming the request after delivery gets 410)",
    again.status === 410,
    String(again.status),
  );

  const denyCall = fetch(otpUrl, {
    method: "POST",
    headers: { accept: "application/json" },
    signal: AbortSignal.timeout(90_000),
  });
  await device("answer deny");
  const denied = await denyCall;
  const deniedBody = await denied.json();
  check(
    "a denial reaches the waiting CI call as 403 denied",
    denied.status === 403 && deniedBody.error === "denied",
    JSON.stringify(deniedBody),
  );

  const short = await fetch(otpUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"wait":1}',
  });
  const shortBody = await short.json();
  check(
    "an unanswered call ends with 408 and a resumable request id",
    short.status === 408 && typeof shortBody.requestId === "string",
    JSON.stringify(shortBody),
  );

  await cleanup();
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log(
    `Firebase functions emulator + Firestore fake: pair, link, request, approve from a second process, deliver — ${seconds} s`,
  );
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  if (failed > 0) {
    process.stderr.write(`firebase-smoke: see ${logFile}\n`);
    process.exit(1);
  }
}

main().catch((error) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)));
