import { connect } from "node:net";
import { API_ROUTES, generateDeviceKey, signRequest } from "@countersign/shared";
import fc from "fast-check";
import { afterAll, expect, test } from "vitest";
import { snapshotDatabase } from "../lib/dbSnapshot.js";
import { Device, send } from "../lib/device.js";
import { report } from "../lib/report.js";
import { type ServerProcess, startServerProcess } from "../lib/serverProcess.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill("SIGTERM");
});

interface RawResult {
  status: number | null;
}

/**
 * Sends bytes as an HTTP/1.1 request on a raw socket, so bodies can be any
 * bytes, Content-Length can lie (a truncated body) and headers can hold what
 * an HTTP client library would refuse. Resolves with the status line's code.
 */
function sendRaw(
  port: number,
  head: { method: string; path: string; headers: [string, string][] },
  body: Buffer,
  truncate: boolean,
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () => {
        socket.destroy();
        if (truncate) resolve({ status: null });
        else reject(new Error(`no answer to ${head.method} ${head.path.slice(0, 80)}`));
      },
      truncate ? 300 : 15_000,
    );
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {
      // A reset after the server answered or gave up on a truncated body.
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      // Skip interim answers (100 Continue) to the final status line.
      const final = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1])).find((code) => code >= 200);
      resolve({ status: final ?? null });
    });
    const lines = [`${head.method} ${head.path} HTTP/1.1`, `host: 127.0.0.1:${port}`, "connection: close"];
    for (const [name, value] of head.headers) lines.push(`${name}: ${value}`);
    lines.push(`content-length: ${truncate ? body.length + 1 + (body.length % 97) : body.length}`);
    socket.write(Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body]));
    if (truncate) socket.end();
  });
}

const routes = Object.values(API_ROUTES).flatMap((route) => {
  const [methods, path] = route.split(" ") as [string, string];
  return methods.split("|").map((method) => ({ method, path }));
});
/**
 * Routes that take no body: a validly signed call to them is a legitimate
 * request (unpair, revoke, delete, invite), not hostile input, so the fuzzer
 * sends them only with broken signatures.
 */
const SIGNED_UNSAFE = new Set([
  "DELETE /api/v1/devices/:deviceId",
  "DELETE /api/v1/accounts/:accountId",
  "DELETE /api/v1/links/:linkId",
  "DELETE /api/v1/devices/me/push",
  "DELETE /api/v1/devices/me/passkey",
  "POST /api/v1/invites",
  "POST /api/v1/devices/me/passkey/options",
  "POST /api/v1/devices/me/passkey/challenge",
]);

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
const anyText = fc.string({ unit: "binary", maxLength: 200 });
const tokenLike = fc
  .string({
    unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
    minLength: 32,
    maxLength: 32,
  })
  .map((s) => `cs_${s}`);

/** A body that no endpoint accepts: every strict schema fails on it, or it is not JSON, or it is too big. */
const badBody = fc.oneof(
  fc
    .json()
    .map((text) => (text.startsWith("{") ? `{"fuzz\\u0000unknown":1,${text.slice(1)}`.replace(",}", "}") : text)),
  fc.object().map((value) => JSON.stringify({ ...value, "unknown field": true })),
  fc
    .record({
      name: fc.anything(),
      issuer: fc.anything(),
      label: fc.anything(),
      decision: fc.constantFrom("approve", "deny", "maybe", 1),
      codes: fc.anything(),
      setupCode: fc.anything(),
      publicKey: fc.anything(),
      wait: fc.anything(),
      endpoint: fc.anything(),
      paused: fc.anything(),
      zzz: fc.anything(),
    })
    .map((value) => JSON.stringify(value)),
  fc
    .tuple(fc.object(), fc.nat())
    .map(([value, cut]) => {
      const text = JSON.stringify(value);
      return text.slice(0, cut % text.length); // any strict prefix of an object is not JSON
    })
    .filter((text) => text.length > 0),
  anyText.filter((text) => text.trim() !== "" && !isJson(text)),
  fc.nat({ max: 3 }).map((n) => "x".repeat(33 * 1024 * (n + 1))),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const pathParam = (ids: string[]) =>
  fc.oneof(
    fc.constantFrom(...ids),
    fc.string({ maxLength: 60 }).map(encodeURIComponent),
    fc.constantFrom("..", "%2e%2e", "%00", "%ff", "%", "me", "null", "undefined", "__proto__", "constructor"),
    fc.nat({ max: 9000 }).map((n) => "a".repeat(n)),
    tokenLike,
  );

const query = fc.oneof(
  fc.constant(""),
  fc.constantFrom(
    "?wait=",
    "?wait=-1",
    "?wait=1e9",
    "?wait=0x10",
    "?wait=1&wait=2",
    "?limit=0",
    "?limit=abc",
    "?x=1",
    "?wait[]=1",
  ),
  printable.map((s) => `?${encodeURIComponent(s)}=${encodeURIComponent(s)}`),
  fc.string({ maxLength: 40 }).map((s) => `?${s.replace(/[\s#]/g, "")}`),
);

/** The server under fire, with a paired phone, one account and one CI link to aim at. */
async function startFuzzTarget() {
  const running = await startServerProcess({
    env: { COUNTERSIGN_MAX_CALLS_PER_MINUTE: "100000", COUNTERSIGN_LOG_LEVEL: "warn" },
  });
  server = running;
  const origin = `http://127.0.0.1:${new URL(running.origin).port}`;
  const phone = await Device.pair(origin, { setupCode: running.setupCode }, "Fuzz phone");
  const account = await phone.account("alice");
  const created = await phone.link(account.id, "fuzz");
  return { running, origin, phone, account, created };
}

test(`hostile input: ${RUNS} malformed requests to every endpoint — zero 5xx, no crash, nothing stored`, async () => {
  const { running: server, origin, phone, account, created } = await startFuzzTarget();
  const other = await generateDeviceKey();
  const ids = [phone.id, account.id, created.link.id, created.token, "me"];
  const port = Number(new URL(origin).port);

  await server.kill("SIGTERM");
  const ignore = { tables: ["nonces"], columns: ["last_seen_at"] };
  const before = snapshotDatabase(server.dataDir, ignore);
  await server.restart();

  const statuses = new Map<number | string, number>();
  let fiveHundreds = 0;
  let sent = 0;
  let replayable: Record<string, string> | null = null;

  const request = fc.record({
    route: fc.constantFrom(...routes),
    params: fc.array(pathParam(ids), { minLength: 3, maxLength: 3 }),
    query,
    body: fc.option(badBody, { freq: 4 }),
    auth: fc.oneof(
      fc.constant(null),
      fc.constant(`Bearer ${created.token}`),
      tokenLike.map((t) => `Bearer ${t}`),
      printable,
      fc.constantFrom("Bearer", "Bearer  ", "Basic Zm9vOmJhcg==", `bearer ${created.token} extra`),
    ),
    signing: fc.constantFrom("none", "garbage", "unknownDevice", "wrongBody", "stale", "valid", "replay"),
    garbage: fc.array(printable, { minLength: 4, maxLength: 4 }),
    extraHeaders: fc.array(
      fc.tuple(
        fc.constantFrom(
          "content-type",
          "content-encoding",
          "idempotency-key",
          "accept",
          "x-forwarded-for",
          "transfer-encoding",
          "expect",
          "x-countersign-device",
        ),
        fc.oneof(
          printable,
          fc.constantFrom(
            "application/json; charset=utf-16",
            "application/json; charset=bogus",
            "gzip",
            "deflate",
            "br",
            "identity, gzip",
            "100-continue",
            "a".repeat(9000),
          ),
        ),
      ),
      { maxLength: 3 },
    ),
    truncate: fc.nat(9).map((n) => n < 2),
  });

  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      let i = 0;
      let path = r.route.path.replace(/:[a-zA-Z]+/g, () => r.params[i++] ?? "x");
      // A real link token in the URL form with no bad input would create a request: keep it malformed.
      path += r.query;
      if (path.includes(created.token) || r.auth?.includes(created.token))
        path += `${path.includes("?") ? "&" : "?"}fuzz=1`;
      const text = r.route.method === "GET" && r.body === null ? "" : (r.body ?? "");
      const body = Buffer.from(text, "utf8");
      const headers: [string, string][] = [];
      if (r.auth !== null) headers.push(["authorization", r.auth]);
      const key = `${r.route.method} ${r.route.path}`;
      const signing = r.signing === "valid" && SIGNED_UNSAFE.has(key) ? "wrongBody" : r.signing;
      if (signing === "garbage") {
        const [a, b, c, d] = r.garbage as [string, string, string, string];
        headers.push(
          ["x-countersign-device", a],
          ["x-countersign-timestamp", b],
          ["x-countersign-nonce", c],
          ["x-countersign-signature", d],
        );
      } else if (signing === "replay" && replayable) {
        headers.push(...Object.entries(replayable));
      } else if (signing !== "none") {
        const signed = await signRequest({
          privateKey: signing === "unknownDevice" ? other.privateKey : phone.privateKey,
          deviceId: signing === "unknownDevice" ? "d_unknown" : phone.id,
          method: r.route.method,
          path,
          body: signing === "wrongBody" ? `${text}!` : text,
          ...(signing === "stale" ? { now: Date.now() - 10 * 60_000 } : {}),
        });
        if (signing === "valid") replayable = signed;
        headers.push(...Object.entries(signed));
      }
      headers.push(...r.extraHeaders);
      const result = await sendRaw(port, { method: r.route.method, path, headers }, body, r.truncate);
      sent++;
      const label = result.status ?? (r.truncate ? "no answer (truncated)" : "no status line");
      statuses.set(label, (statuses.get(label) ?? 0) + 1);
      if (result.status !== null && result.status >= 500) fiveHundreds++;
      if (result.status === null && !r.truncate) throw new Error(`no HTTP answer to ${key}`);
      return result.status === null || result.status < 500;
    }),
    { numRuns: RUNS, endOnFailure: true },
  );

  const health = await send(`${origin}/api/v1/health`);
  const crashed = server.logs().match(/unexpected error|uncaught|FATAL/gi)?.length ?? 0;
  await server.kill("SIGTERM");
  const after = snapshotDatabase(server.dataDir, ignore);
  const changedTables = Object.keys(after).filter((t) => JSON.stringify(after[t]) !== JSON.stringify(before[t]));
  report("hostile", {
    requests: sent,
    fiveHundreds,
    unexpectedErrorsLogged: crashed,
    healthAfter: health.status,
    changedTables: changedTables.join("+") || "none",
    statuses: [...statuses.entries()].map(([s, n]) => `${s}:${n}`).join(" "),
  });
  expect(fiveHundreds).toBe(0);
  expect(crashed).toBe(0);
  expect(health.status).toBe(200);
  for (const table of changedTables) {
    process.stdout.write(`changed ${table}:\n- ${before[table]?.join("\n- ")}\n+ ${after[table]?.join("\n+ ")}\n`);
  }
  expect(changedTables).toEqual([]);
  expect(after).toEqual(before);
});

/** Characters that make shown text lie (issue 18): every one must be refused wherever CI's claims are shown. */
const DECEPTIVE = [
  ...Array.from({ length: 0x20 }, (_, c) => c),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, c) => 0x80 + c),
  0x00ad,
  0x061c,
  0x115f,
  0x1160,
  0x180e,
  ...Array.from({ length: 0x10 }, (_, c) => 0x2000 + c), // spaces, zero-width, LRM/RLM
  0x2028,
  0x2029,
  ...Array.from({ length: 5 }, (_, c) => 0x202a + c), // bidi embeddings and overrides
  0x202f,
  0x205f,
  0x2060,
  ...Array.from({ length: 4 }, (_, c) => 0x2066 + c), // bidi isolates
  0x3000,
  0x3164,
  0xe000,
  0xfeff,
  0xffa0,
  0xfff9,
].map((c) => String.fromCodePoint(c));
/** Look-alikes of ASCII letters (Cyrillic, Greek, fullwidth): refused where only ASCII is shown. */
const LOOKALIKES = ["а", "е", "о", "р", "с", "ѕ", "і", "ο", "ν", "ａ", "ｅ"];

test(`hostile input: deceptive text in every field CI claims is refused (400), nothing stored`, async () => {
  const { origin, phone, created } = await startFuzzTarget();
  const shown = ["workflow", "job", "environment"] as const;
  const ascii = ["repository", "ref", "actor", "sha", "eventName", "provider"] as const;
  const safe: Record<string, string> = {
    workflow: "release",
    job: "publish",
    environment: "npm",
    repository: "acme/rocket",
    ref: "refs/tags/v1.2.3",
    actor: "alice",
    sha: "0123456789abcdef0123456789abcdef01234567",
    eventName: "push",
    provider: "github",
  };
  const insert = (text: string, at: number, what: string) => {
    const i = at % (text.length + 1);
    const spliced = `${text.slice(0, i)}${what}${text.slice(i)}`;
    // Leading or trailing whitespace is trimmed (neutralised), so put it inside.
    return spliced.trim() === spliced ? spliced : `${text.slice(0, 1)}${what}${text.slice(1)}`;
  };
  const body = fc.oneof(
    fc
      .tuple(
        fc.constantFrom(...shown, ...ascii, "package.name", "package.version"),
        fc.constantFrom(...DECEPTIVE),
        fc.nat(),
      )
      .map(([field, char, at]) => ({ field, char, at })),
    fc
      .tuple(fc.constantFrom(...ascii, "package.name"), fc.constantFrom(...LOOKALIKES), fc.nat())
      .map(([field, char, at]) => ({ field, char, at })),
    fc.constant({ field: "padding", char: " ".repeat(2), at: 4 }),
    fc
      .constantFrom("https://github.com@evil.example/acme/rocket/actions/runs/1", "https://u:p@github.com/x")
      .map((runUrl) => ({ field: "runUrl", char: runUrl, at: 0 })),
  );
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(body, async ({ field, char, at }) => {
      const payload: { package: { name: string; version: string }; context: Record<string, string> } = {
        package: { name: "rocket", version: "1.2.3" },
        context: { ...safe },
      };
      if (field === "package.name") payload.package.name = insert("rocket", at, char);
      else if (field === "package.version") payload.package.version = insert("1.2.3", at, char);
      else if (field === "runUrl") payload.context.runUrl = char;
      else if (field === "padding") payload.context.workflow = `release${char}to npm`;
      else payload.context[field] = insert(safe[field] ?? "x", at, char);
      const answer = await send(`${origin}/api/v1/otp?wait=0`, {
        method: "POST",
        headers: { authorization: `Bearer ${created.token}`, "content-type": "application/json" },
        body: JSON.stringify(payload),
      });
      refused++;
      return answer.status === 400;
    }),
    { numRuns: Math.min(RUNS, 500), endOnFailure: true },
  );
  const pending = await phone.call<unknown[]>("GET", "/api/v1/approvals");
  report("hostile-shown-text", { requests: refused, approvalsCreated: pending.body.length });
  expect(pending.body).toEqual([]);
});
