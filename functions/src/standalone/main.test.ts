import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type AccountView, type ApprovalView, type CreatedLink, generateTimedCodes } from "@countersign/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { collectOutput } from "../../../cli/src/testing/runBin.js";
import { expectDeliveredText } from "../testing/deliveredCode.js";
import { send, TestDevice } from "../testing/TestDevice.js";
import { freePort } from "./freePort.js";

/** Tests of the real server process: `node functions/dist/standalone/main.js`. */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const main = join(repo, "functions/dist/standalone/main.js");
const TOTP = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 } as const;

const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
  // Test what the sources say now, not a stale build.
  execFileSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-b"], { cwd: repo, stdio: "pipe" });
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "countersign-main-"));
  dirs.push(dir);
  return dir;
}

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? "", COUNTERSIGN_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const { done, stdout, stderr } = collectOutput(child);
  return { child, stdout, stderr, exit: done.then(({ exitCode }) => exitCode) };
}

async function started(proc: Proc): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.stdout().includes("Press Ctrl-C")) return;
    if (proc.child.exitCode !== null) throw new Error(`server exited: ${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`server did not start: ${proc.stdout()} ${proc.stderr()}`);
}

describe("standalone server process", () => {
  it("prints where to open the app and the pairing link, and serves health", async () => {
    const port = await freePort();
    const proc = run({
      PORT: String(port),
      COUNTERSIGN_DATA_DIR: tempDir(),
      COUNTERSIGN_SETUP_CODE: "TEST-SETU-PCOD-E234",
    });
    await started(proc);
    expect(proc.stdout()).toContain(`Open http://localhost:${port}`);
    expect(proc.stdout()).toContain(`http://localhost:${port}/pair#code=TEST-SETU-PCOD-E234`);
    expect(proc.stdout()).toContain("▄"); // the terminal QR code
    const health = await send<{ status: string }>(`http://127.0.0.1:${port}/api/v1/health`);
    expect(health.body.status).toBe("ok");
    proc.child.kill("SIGTERM");
    expect(await proc.exit).toBe(0);
  });

  it("survives a crash: a pending request is resumed after restart and gets the code", async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const env = { PORT: String(port), COUNTERSIGN_DATA_DIR: dataDir, COUNTERSIGN_SETUP_CODE: "TEST-SETU-PCOD-E234" };
    const origin = `http://127.0.0.1:${port}`;
    let proc = run(env);
    await started(proc);
    const device = await TestDevice.pair(origin, { setupCode: "TEST-SETU-PCOD-E234" });
    const account = (await device.call<AccountView>("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" }))
      .body;
    const link = (await device.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, { name: "CI" })).body;

    const waiting = send(`${origin}/api/v1/otp`, {
      method: "POST",
      headers: { authorization: `Bearer ${link.token}`, accept: "application/json" },
    }).catch((error: unknown) => error);
    let approval: ApprovalView | undefined;
    for (let i = 0; i < 100 && !approval; i++) {
      approval = (await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body[0];
      if (!approval) await new Promise((r) => setTimeout(r, 20));
    }
    if (!approval) throw new Error("the request did not appear");
    proc.child.kill("SIGKILL");
    await proc.exit;
    expect(await waiting).toBeInstanceOf(Error); // the connection dropped with the server

    proc = run(env);
    await started(proc);
    expect(proc.stdout()).not.toContain("pair#code"); // a device is paired: no setup code any more
    const resumeUrl = `${origin}/api/v1/requests/${approval.id}?wait=30`;
    const resumed = send(resumeUrl, { headers: { authorization: `Bearer ${link.token}` } });
    // Not synchronisation: the code reaches the resume whether it began waiting before the answer or
    // after it (an answer committed first is seen at once); the pause makes the wake-up path the usual one.
    await new Promise((r) => setTimeout(r, 100));
    const codes = await generateTimedCodes(TOTP, Date.now());
    const answer = await device.call("POST", `/api/v1/approvals/${approval.id}/answer`, { decision: "approve", codes });
    expect(answer.status).toBe(200);
    expectDeliveredText((await resumed).text, codes);
    expect(proc.stdout()).not.toContain(link.token);
    expect(proc.stdout()).not.toContain("TEST-SETU-PCOD-E234");
    proc.child.kill("SIGTERM");
    expect(await proc.exit).toBe(0);
  });

  it("on SIGTERM answers waiting CI calls 408 with their request id, then exits 0", async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const proc = run({
      PORT: String(port),
      COUNTERSIGN_DATA_DIR: tempDir(),
      COUNTERSIGN_SETUP_CODE: "TEST-SETU-PCOD-E234",
    });
    await started(proc);
    const device = await TestDevice.pair(origin, { setupCode: "TEST-SETU-PCOD-E234" });
    const account = (await device.call<AccountView>("POST", "/api/v1/accounts", { issuer: "", label: "me" })).body;
    const link = (await device.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, { name: "CI" })).body;
    const waiting = send(link.url.replace(`http://localhost:${port}`, origin), { method: "POST" });
    // The server's own signal that the call is in: its request is waiting for an answer.
    await expect
      .poll(async () => (await device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body.length, { timeout: 5000 })
      .toBe(1);
    proc.child.kill("SIGTERM");
    const response = await waiting;
    expect(response.status).toBe(408);
    expect(response.body).toMatchObject({ error: "timeout", requestId: expect.any(String) });
    expect(await proc.exit).toBe(0);
  });

  it("serves the built app with its CSP and caching, and says so when it is not built", async () => {
    const port = await freePort();
    const web = tempDir();
    mkdirSync(join(web, "assets"));
    writeFileSync(join(web, "index.html"), "<!doctype html><title>Countersign</title>");
    writeFileSync(join(web, "sw.js"), "self.addEventListener('fetch', () => {});");
    writeFileSync(join(web, "assets/index-abc123.js"), "console.log(1)");
    const proc = run({ PORT: String(port), COUNTERSIGN_DATA_DIR: tempDir(), COUNTERSIGN_WEB_DIR: web });
    await started(proc);
    const origin = `http://127.0.0.1:${port}`;
    const index = await send(`${origin}/`);
    expect(index.text).toContain("<title>Countersign</title>");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toBe(
      "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(index.headers.get("x-frame-options")).toBe("DENY");
    expect((await send(`${origin}/sw.js`)).headers.get("cache-control")).toBe("no-cache");
    expect((await send(`${origin}/assets/index-abc123.js`)).headers.get("cache-control")).toBe(
      "public, max-age=31536000, immutable",
    );
    expect((await send(`${origin}/assets/missing.js`)).status).toBe(404);
    const spa = await send(`${origin}/pair`);
    expect(spa.text).toContain("<title>Countersign</title>");
    for (const route of ["/accounts/a1b2", "/approve/r1", "/settings", "/add", "/recover"]) {
      expect((await send(`${origin}${route}`)).text, route).toContain("<title>Countersign</title>");
    }
    // Neither the app nor the API: a monitor or scraper is told so, not handed the app with 200.
    for (const path of ["/healthz", "/metrics", "/accounts/a1b2/links", "/wp-login.php", "/favicon.ico"]) {
      const missing = await send(`${origin}${path}`);
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get("content-type"), path).toContain("text/plain");
    }
    proc.child.kill("SIGTERM");
    await proc.exit;

    const bare = run({ PORT: String(port), COUNTERSIGN_DATA_DIR: tempDir(), COUNTERSIGN_WEB_DIR: tempDir() });
    await started(bare);
    const notBuilt = await send(`${origin}/`);
    expect(notBuilt.status).toBe(503);
    expect(notBuilt.text).toContain("npm run build");
    expect((await send(`${origin}/api/v1/health`)).status).toBe(200);
    bare.child.kill("SIGTERM");
    await bare.exit;
  });

  it("a bad PORT, a port in use or an unwritable data directory: one line on stderr, exit 1", async () => {
    for (const port of ["0", "65536", "http", "-1"]) {
      const proc = run({ PORT: port, COUNTERSIGN_DATA_DIR: tempDir() });
      expect(await proc.exit, port).toBe(1);
      expect(proc.stderr()).toMatch(/^countersign: PORT must be a number from 1 to 65535 \(got ".*"\)\.\n$/);
    }

    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, r));
    const port = (busy.address() as { port: number }).port;
    const inUse = run({ PORT: String(port), COUNTERSIGN_DATA_DIR: tempDir() });
    expect(await inUse.exit).toBe(1);
    expect(inUse.stderr()).toBe(`countersign: Port ${port} is already in use. Set PORT to a free port.\n`);
    await new Promise((r) => busy.close(r));

    const file = join(tempDir(), "a-file");
    writeFileSync(file, "");
    const unwritable = run({ PORT: String(await freePort()), COUNTERSIGN_DATA_DIR: join(file, "data") });
    expect(await unwritable.exit).toBe(1);
    expect(unwritable.stderr()).toMatch(/^countersign: The data directory .* is not writable \(ENOTDIR\)\..*\n$/);
    expect(unwritable.stderr().split("\n")).toHaveLength(2);
  });

  it.each([
    ["COUNTERSIGN_LOW_MEMORY", "yes", 'COUNTERSIGN_LOW_MEMORY must be 1 or 0 (got "yes").'],
    [
      "COUNTERSIGN_LOG_LEVEL",
      "verbose",
      'COUNTERSIGN_LOG_LEVEL must be debug, info, warn, error or silent (got "verbose").',
    ],
    [
      "COUNTERSIGN_METRICS_PORT",
      "metrics",
      'COUNTERSIGN_METRICS_PORT must be a number from 1 to 65535 (got "metrics").',
    ],
    [
      "COUNTERSIGN_OIDC_ISSUERS",
      "default,http://gitlab.example.com",
      "COUNTERSIGN_OIDC_ISSUERS: issuer http://gitlab.example.com must use https (http only on 127.0.0.1 or localhost).",
    ],
    ["COUNTERSIGN_MAX_WAIT", "0", 'COUNTERSIGN_MAX_WAIT must be a whole number from 1 to 3600 (got "0").'],
    ["COUNTERSIGN_REQUEST_TTL", "10m", 'COUNTERSIGN_REQUEST_TTL must be a whole number from 30 to 86400 (got "10m").'],
    [
      "COUNTERSIGN_VAPID_SUBJECT",
      "ops@example.com",
      'COUNTERSIGN_VAPID_SUBJECT must be a mailto: address or an https: URL, e.g. mailto:you@example.com (got "ops@example.com").',
    ],
    [
      "COUNTERSIGN_TRUST_PROXY",
      "yes",
      "COUNTERSIGN_TRUST_PROXY must be a number of proxy hops or proxy addresses (IP, CIDR, loopback, linklocal, uniquelocal): invalid IP address: yes",
    ],
  ])(
    "a bad %s: one line on stderr naming the problem, exit 1",
    async (name, value, message) => {
      const proc = run({ PORT: String(await freePort()), COUNTERSIGN_DATA_DIR: tempDir(), [name]: value });
      expect(await proc.exit).toBe(1);
      expect(proc.stderr()).toBe(`countersign: ${message}\n`);
    },
    20_000,
  );

  it("warns about COUNTERSIGN_* variables it does not read, naming the one probably meant", async () => {
    const proc = run({
      PORT: String(await freePort()),
      HOST: "127.0.0.1",
      COUNTERSIGN_DATA_DIR: tempDir(),
      COUNTERSIGN_PUBLIC_URI: "https://otp.example.com",
      COUNTERSIGN_VAPID_PRIVATE_KEY: "x",
      COUNTERSIGN_URL: "https://otp.example.com/api/v1/otp/cs_x",
    });
    await started(proc);
    const warnings = proc
      .stderr()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(warnings).toEqual([
      expect.objectContaining({
        level: "warn",
        msg: "unknown setting COUNTERSIGN_PUBLIC_URI ignored: did you mean COUNTERSIGN_PUBLIC_URL?",
      }),
      expect.objectContaining({
        level: "warn",
        msg: "unknown setting COUNTERSIGN_VAPID_PRIVATE_KEY ignored: only the Firebase deployment reads it; this server keeps its VAPID keys in its database",
      }),
    ]);
    proc.child.kill("SIGTERM");
    await proc.exit;
  });

  it("says phones need HTTPS when it serves plain HTTP on the network, not behind a proxy or on loopback", async () => {
    const exposed = run({ PORT: String(await freePort()), COUNTERSIGN_DATA_DIR: tempDir() });
    await started(exposed);
    expect(exposed.stdout()).toContain("Phones need HTTPS.");
    expect(exposed.stdout()).toContain("deploy/Caddyfile");
    exposed.child.kill("SIGTERM");
    await exposed.exit;

    for (const env of [{ HOST: "127.0.0.1" }, { COUNTERSIGN_PUBLIC_URL: "https://otp.example.com" }]) {
      const quiet = run({ PORT: String(await freePort()), COUNTERSIGN_DATA_DIR: tempDir(), ...env });
      await started(quiet);
      expect(quiet.stdout(), JSON.stringify(env)).not.toContain("Phones need HTTPS");
      quiet.child.kill("SIGTERM");
      await quiet.exit;
    }
  });
});
