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
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** The file names in a zip archive, from its central directory. */
function zipEntries(file) {
  const zip = readFileSync(file);
  const names = [];
  for (let at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; ) {
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    names.push(zip.toString("utf8", at + 46, at + 46 + nameLength));
    at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 46 + nameLength + extra + comment);
  }
  return names;
}

/**
 * What `firebase deploy` would upload, packed by firebase-tools' own packager with the
 * repository's functions settings (its `ignore` list), with local secrets and env files lying
 * in the source directory as they do on a maintainer's machine.
 */
async function checkUpload(firebase, sourceDir) {
  const { functions } = JSON.parse(readFileSync(join(root, "firebase.json"), "utf8"));
  const settings = functions[0];
  check(
    "firebase.json keeps prompted parameters in functions/ (configDir), which no predeploy deletes",
    settings.configDir === "functions" && !resolve(root, settings.source).startsWith(resolve(root, settings.configDir)),
    JSON.stringify(settings.configDir),
  );
  writeFileSync(join(sourceDir, ".env.local"), "COUNTERSIGN_SETUP_CODE=leaked\n");
  writeFileSync(join(sourceDir, ".env.demo-countersign"), "COUNTERSIGN_PUBLIC_URL=https://example.invalid\n");
  const tools = join(dirname(dirname(firebase)), "firebase-tools/lib/deploy/functions/prepareFunctionsUpload.js");
  const { prepareFunctionsUpload } = await import(tools);
  const { pathToSource } = await prepareFunctionsUpload(
    root,
    sourceDir,
    { ...settings, ignore: [...settings.ignore] },
    [],
  );
  const entries = zipEntries(pathToSource);
  const leaked = entries.filter((name) => /(^|\/)(\.secret\.local|[^/]*\.local|\.env[^/]*)$/.test(name));
  check(
    "the functions upload leaves out .secret.local, *.local and .env* (firebase.json ignore)",
    existsSync(join(sourceDir, ".secret.local")) && leaked.length === 0 && entries.includes("dist/firebase.js"),
    `leaked: ${leaked.join(", ")}`,
  );
  check(
    "the functions upload carries package.json and package-lock.json, no node_modules",
    entries.includes("package.json") &&
      entries.includes("package-lock.json") &&
      !entries.some((name) => name.startsWith("node_modules/")),
    entries.filter((name) => !name.startsWith("dist/")).join(", "),
  );
  const tested = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages;
  const uploaded = JSON.parse(readFileSync(join(sourceDir, "package-lock.json"), "utf8")).packages;
  const drifted = Object.entries(uploaded).filter(
    ([path, entry]) => path.startsWith("node_modules/") && !entry.link && tested[path]?.version !== entry.version,
  );
  check(
    "the upload's lockfile pins every package at the version the repository's lockfile (and its tests) use",
    Object.keys(uploaded).length > 100 && drifted.length === 0,
    drifted.map(([path, entry]) => `${path} ${entry.version}`).join(", "),
  );
  rmSync(join(sourceDir, ".env.local"));
  rmSync(join(sourceDir, ".env.demo-countersign"));
}

/** Headers that must be the same from Hosting and from the standalone server for the app. */
const APP_HEADERS = [
  "content-security-policy",
  "x-content-type-options",
  "referrer-policy",
  "x-frame-options",
  "cross-origin-opener-policy",
  "cross-origin-resource-policy",
  "permissions-policy",
  "cache-control",
];

/** Hosting and the standalone server answer the app's paths with the same status and headers. */
async function compareWithStandalone(hostingOrigin) {
  const { hostingHeaders, fromSecurityHeaders } = await import("./firebase/hosting-headers.mjs");
  const built = await import(join(root, "functions/dist/http/securityHeaders.js"));
  const { hosting } = JSON.parse(readFileSync(join(root, "firebase.json"), "utf8"));
  const generated = hostingHeaders(fromSecurityHeaders(built));
  check(
    "firebase.json's Hosting headers are the ones generated from securityHeaders.ts",
    JSON.stringify(hosting.headers) === JSON.stringify(generated),
    "run node scripts/firebase/hosting-headers.mjs --write",
  );

  const port = await freePort();
  const standalone = spawn(process.execPath, [join(root, "functions/dist/standalone/main.js")], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: "127.0.0.1",
      COUNTERSIGN_DATA_DIR: join(root, "dist/firebase-smoke-standalone"),
      COUNTERSIGN_LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  cleanups.push(() => standalone.kill());
  const standaloneOrigin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${standaloneOrigin}/api/v1/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const asset = readdirSync(join(root, "web/dist/assets")).find((name) => name.endsWith(".js"));
  const differences = [];
  for (const path of [
    "/",
    "/pair",
    "/accounts/a1",
    "/sw.js",
    "/manifest.webmanifest",
    `/assets/${asset}`,
    "/healthz",
  ]) {
    const [fromHosting, fromStandalone] = await Promise.all(
      [hostingOrigin, standaloneOrigin].map((origin) => fetch(origin + path, { redirect: "manual" })),
    );
    if (fromHosting.status !== fromStandalone.status) {
      differences.push(`${path}: status ${fromHosting.status} vs ${fromStandalone.status}`);
    }
    if (fromStandalone.status !== 200) continue;
    for (const name of APP_HEADERS) {
      const [a, b] = [fromHosting.headers.get(name), fromStandalone.headers.get(name)];
      if (a !== b) differences.push(`${path} ${name}: ${a} vs ${b}`);
    }
  }
  check(
    "Hosting and the standalone server send the app's pages and files with the same status and headers (/healthz: 404 on both)",
    differences.length === 0,
    differences.join("; "),
  );
  standalone.kill();
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
  // Parameters live in a config directory outside the generated source, as firebase.json's
  // configDir keeps them (here a scratch one, so a developer's functions/.env is left alone).
  // (relative to the project directory, dist/, as firebase-tools resolves it).
  const configDir = join(root, "dist/firebase-smoke-config");
  rmSync(configDir, { recursive: true, force: true });
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    join(configDir, ".env"),
    [
      `COUNTERSIGN_VAPID_PUBLIC_KEY=${vapid.publicKey}`,
      `COUNTERSIGN_PUBLIC_URL=${hostingUrl}`,
      "COUNTERSIGN_MAX_WAIT=60",
      "COUNTERSIGN_LOG_LEVEL=info",
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
      functions: [
        { source: "firebase-functions", codebase: "default", runtime: "nodejs22", configDir: "firebase-smoke-config" },
      ],
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
  await compareWithStandalone(hostingUrl);
  await checkUpload(firebase, sourceDir);

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

  // As a Cloud Function (the emulator sets FUNCTION_TARGET) the logs are Cloud Logging's structured lines.
  const emulatorLog = readFileSync(logFile, "utf8");
  check(
    "the function logs severity and message as JSON, as Cloud Logging reads them",
    /"severity":"INFO","message":"request created"/.test(emulatorLog) &&
      !/"level":"info","msg":"request created"/.test(emulatorLog),
    "no structured 'request created' line in the emulator log",
  );

  // A second deploy: its predeploy rebuilds the source directory from scratch; the parameters stay.
  prepareFunctions("--link");
  check(
    "a second predeploy rebuilds the source and leaves the configDir's parameters in place",
    readFileSync(join(configDir, ".env"), "utf8").includes(`COUNTERSIGN_PUBLIC_URL=${hostingUrl}`) &&
      !existsSync(join(sourceDir, ".env")),
    readdirSync(sourceDir).join(", "),
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
