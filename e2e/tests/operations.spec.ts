/**
 * Running the server as docs/server.md says: the real server process with metrics on, probed
 * and scraped around a whole approval (a phone through the signed device API, a local push
 * service); the systemd unit and the Caddyfile in deploy/ — the unit checked by
 * systemd-analyze, Caddy run for real in front of the server with a certificate of its own,
 * both as the docs print them.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import type { TotpParams } from "@countersign/shared";
import { expect, test } from "@playwright/test";
import { type PushService, startPushService } from "../harness/push-service.js";
import { ApiDevice, requestOtp } from "../helpers/apiDevice.js";
import { REPO_ROOT, SERVER_ENTRY } from "../helpers/paths.js";
import { freePort, startServer } from "../helpers/server.js";

const TOTP: TotpParams = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 };

let push: PushService;
test.beforeAll(async () => {
  push = await startPushService();
});
test.afterAll(async () => {
  await push.close();
});

/** One sample of a metric from Prometheus' text format; undefined when absent. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line === undefined ? undefined : Number(line.split(" ").pop());
}

test("metrics on their own loopback port, readiness, request ids and 404s, around a whole approval", async () => {
  const metricsPort = await freePort();
  const server = await startServer({
    env: { COUNTERSIGN_METRICS_PORT: String(metricsPort), COUNTERSIGN_PUSH_ALLOW: new URL(push.origin).host },
  });
  try {
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    expect(server.logs()).toContain(`Prometheus metrics: ${metricsUrl}`);
    const scrape = async () => (await fetch(metricsUrl)).text();

    // Loopback only: the same port on this machine's network address refuses.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address?.family === "IPv4" && !address.internal)?.address;
    if (external) await expect(fetch(`http://${external}:${metricsPort}/metrics`)).rejects.toThrow();

    const ready = await fetch(`${server.origin}/api/v1/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", store: "sqlite" });
    for (const path of ["/healthz", "/metrics"])
      expect((await fetch(`${server.origin}${path}`)).status, path).toBe(404);

    const device = await ApiDevice.pair(server.origin, { setupCode: server.setupCode });
    // Two subscriptions, one gone: the push service answers 410 for it.
    const gone = push.createSubscription();
    push.expire(gone.endpoint);
    await device.subscribePush(gone);
    const account = await device.createAccount("npm", "alice");
    const { token } = await device.createLink(account.id, "release");

    const asking = requestOtp(server.origin, token, { wait: 60 }, { "x-request-id": "ci-run-4242-attempt-1" });
    const approval = await device.nextApproval();
    await expect.poll(async () => sample(await scrape(), "countersign_ci_calls_waiting")).toBe(1);
    await device.approve(approval, TOTP);
    const answered = await asking;
    expect(answered.status).toBe(200);
    expect(answered.headers.get("x-request-id")).toBe("ci-run-4242-attempt-1");

    const denying = requestOtp(server.origin, token, { wait: 60 });
    await device.answer((await device.nextApproval()).id, { decision: "deny" });
    expect((await denying).status).toBe(403);

    const text = await scrape();
    expect(sample(text, "countersign_ci_calls_total", 'outcome="delivered"')).toBe(1);
    expect(sample(text, "countersign_ci_calls_total", 'outcome="denied"')).toBe(1);
    expect(sample(text, "countersign_ci_calls_waiting")).toBe(0);
    expect(sample(text, "countersign_approval_seconds_count", 'decision="approved"')).toBe(1);
    expect(sample(text, "countersign_approval_seconds_count", 'decision="denied"')).toBe(1);
    expect(sample(text, "countersign_push_failures_total", 'reason="gone"')).toBe(1);
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);

    // Every line the server wrote about the first CI call carries the id it came with.
    const lines = server
      .logs()
      .split("\n")
      .filter((line) => line.includes('"httpRequestId":"ci-run-4242-attempt-1"'))
      .map((line) => JSON.parse(line).msg);
    expect(lines).toEqual(["request created", "push subscription gone, removed", "code delivered", "http"]);
  } finally {
    await server.stop();
  }
});

/** The unit file as [section] → key → values, the way systemd reads it. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section?.[1]) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const [key, ...rest] = line.split("=");
    if (!current || !key) throw new Error(`not a unit line: ${line}`);
    current.set(key, [...(current.get(key) ?? []), rest.join("=")]);
  }
  return sections;
}

/** The fenced blocks of docs/server.md, as the reader copies them. */
function docBlocks(): string[] {
  const doc = readFileSync(join(REPO_ROOT, "docs/server.md"), "utf8");
  return [...doc.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

test("the systemd unit: systemd accepts it, it runs the server as built, with settings the server reads", async () => {
  const unitText = readFileSync(join(REPO_ROOT, "deploy/countersign.service"), "utf8");
  expect(docBlocks()).toContain(unitText);
  const unit = parseUnit(unitText);
  const service = unit.get("Service");
  expect(service?.get("ExecStart")).toEqual(["/usr/bin/node /opt/countersign/functions/dist/standalone/main.js"]);
  expect(SERVER_ENTRY.endsWith("functions/dist/standalone/main.js")).toBe(true);
  const settings = (service?.get("Environment") ?? []).map((value) => value.split("=")[0]);
  const { SERVER_SETTINGS } = (await import(join(REPO_ROOT, "functions/dist/standalone/unknownSettings.js"))) as {
    SERVER_SETTINGS: string[];
  };
  for (const name of settings) expect([...SERVER_SETTINGS, "HOST", "PORT"], name).toContain(name);
  expect(unit.get("Install")?.get("WantedBy")).toEqual(["multi-user.target"]);

  const analyze = spawnSync("systemd-analyze", ["--version"]);
  test.skip(analyze.error !== undefined, "systemd-analyze is not installed here");
  // systemd-analyze verify checks every key and that ExecStart's program exists: run it on the
  // unit as installed, with the server where this checkout has it.
  const dir = mkdtempSync(join(tmpdir(), "countersign-unit-"));
  const file = join(dir, "countersign.service");
  writeFileSync(file, unitText.replace("/usr/bin/node /opt/countersign/", `${process.execPath} ${REPO_ROOT}/`));
  const verify = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
  expect(verify.status, verify.stderr).toBe(0);
  expect(verify.stderr).not.toMatch(/Unknown key|Unknown section|Invalid|Failed|not executable/i);
});

test("the Caddyfile: Caddy accepts it and, in front of the real server, serves it over HTTPS", async () => {
  const caddyfile = readFileSync(join(REPO_ROOT, "deploy/Caddyfile"), "utf8");
  expect(docBlocks()).toContain(caddyfile);
  const version = spawnSync("caddy", ["version"]);
  test.skip(version.error !== undefined, "caddy is not installed (Debian: apt-get install caddy)");

  const dir = mkdtempSync(join(tmpdir(), "countersign-caddy-"));
  const adapted = spawnSync("caddy", ["adapt", "--config", join(REPO_ROOT, "deploy/Caddyfile")], {
    encoding: "utf8",
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  });
  expect(adapted.status, adapted.stderr).toBe(0);

  // The same site, but for localhost on free ports with Caddy's own CA (no public DNS here).
  const server = await startServer({ env: { HOST: "127.0.0.1", COUNTERSIGN_TRUST_PROXY: "1" } });
  const httpsPort = await freePort();
  const local = `{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\thttp_port ${await freePort()}\n}\n${caddyfile
    .replace(/^otp\.example\.com \{$/m, `localhost:${httpsPort} {`)
    .replace("127.0.0.1:8080", `127.0.0.1:${server.port}`)}`;
  writeFileSync(join(dir, "Caddyfile"), local);
  const caddy = spawn("caddy", ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], {
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let caddyLog = "";
  caddy.stderr.on("data", (chunk) => {
    caddyLog += chunk;
  });
  try {
    const root = join(dir, "caddy/pki/authorities/local/root.crt");
    const get = (path: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = httpsRequest(
          // Verified TLS: Caddy's certificate for localhost, signed by its local CA.
          { host: "localhost", port: httpsPort, path, ca: readFileSync(root) },
          (res) => {
            let body = "";
            res.on("data", (chunk) => {
              body += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          },
        );
        req.on("error", reject);
        req.end();
      });
    let ready: Awaited<ReturnType<typeof get>> | undefined;
    await expect
      .poll(
        async () => {
          ready = await get("/api/v1/ready").catch(() => undefined);
          return ready?.status;
        },
        { timeout: 30_000 },
      )
      .toBe(200);
    // Caddy's id for the request reached the server's log; the client address is the real one.
    const id = String(ready?.headers["x-request-id"] ?? "");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const logged = () =>
      server
        .logs()
        .split("\n")
        .find((l) => l.includes(`"httpRequestId":"${id}"`));
    await expect.poll(logged).toBeDefined();
    expect(JSON.parse(logged() ?? "{}")).toMatchObject({ msg: "http", path: "/api/v1/ready", ip: "127.0.0.1" });
    const page = await get("/pair");
    expect(page.status).toBe(200);
    expect(page.body).toContain("<html");
  } catch (error) {
    throw new Error(`${String(error)}\nCaddy's log:\n${caddyLog}`);
  } finally {
    caddy.kill("SIGTERM");
    await server.stop();
    execFileSync("rm", ["-rf", dir]);
  }
});
