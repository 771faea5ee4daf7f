import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { startRegistry as startHarnessRegistry } from "../../../e2e/harness/registry.js";
import { median, percentile } from "../lib/stats.js";

/**
 * What `countersign exec`'s registry relay costs a release: the latency it
 * adds to each registry request, and its throughput and memory for a large
 * publish, against talking to the registry directly, in the same run. Three
 * registries on loopback: `drain`, a node:http server that answers small GETs
 * and only counts a publish's bytes (the relay's own ceiling); `harness`, the
 * e2e registry, which reads a publish as a registry does (parses the
 * document, decodes and hashes the tarball); and `gigabit`, the drain read no
 * faster than a 1 Gbit/s link delivers, as a registry across a fast CI
 * runner's network would.
 */

const RELAY_ENTRY = fileURLToPath(new URL("../../../../../cli/dist/relay/startRegistryRelay.js", import.meta.url));

export interface RegistryRelayResults {
  /** Sequential small GETs: p50 and p99 directly and through the relay (ms). */
  direct: { p50: number; p99: number };
  relayed: { p50: number; p99: number };
  /** MB/s for a publish body of `uploadMb`, per run. */
  directMbps: number[];
  relayedMbps: number[];
  uploadMb: number;
  /** The relay process's peak RSS after small requests, and after the large uploads (MB). */
  rssAfterSmallMb: number;
  rssAfterUploadsMb: number;
}

export type BenchRegistry = "drain" | "harness" | "gigabit";

/** 1 Gbit/s, a fast CI runner's link to the registry. */
const GIGABIT_BYTES_PER_MS = 1e9 / 8 / 1000;

async function startRegistry(kind: BenchRegistry): Promise<{ url: string; token: string; close(): void }> {
  if (kind === "harness") {
    const harness = await startHarnessRegistry(undefined, undefined, {
      accounts: [{ token: "npm_bench", user: "bench", secondFactor: { type: "none" } }],
    });
    return { url: harness.url, token: "npm_bench", close: () => void harness.close() };
  }
  const packument = JSON.stringify({ name: "rocket", versions: { "1.0.0": { name: "rocket", version: "1.0.0" } } });
  const server = createServer((req, res) => {
    if (req.method === "GET") {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(packument) });
      res.end(packument);
      return;
    }
    let bytes = 0;
    const started = performance.now();
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (kind !== "gigabit") return;
      // Read no faster than the link would deliver: pause until the clock catches up.
      const ahead = bytes / GIGABIT_BYTES_PER_MS - (performance.now() - started);
      if (ahead > 1) {
        req.pause();
        setTimeout(() => req.resume(), ahead);
      }
    });
    req.on("end", () => {
      const body = JSON.stringify({ ok: true, bytes });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    token: "npm_bench",
    close: () => server.close(),
  };
}

/** The relay in its own process, as `countersign exec` runs it, with a second factor that is never asked. */
async function startRelayProcess(
  upstream: string,
  token: string,
): Promise<{ child: ChildProcess; registry: string; secret: string }> {
  const script = `
    const { startRegistryRelay } = await import(${JSON.stringify(RELAY_ENTRY)});
    const relay = await startRegistryRelay({
      upstreams: { registry: { url: new URL(${JSON.stringify(upstream)}), credential: { kind: "bearer", token: ${JSON.stringify(token)} } }, scopes: {} },
      secondFactor: { answer: async () => ({ kind: "refused", status: 403, message: "no" }), codeInHand: () => null },
    });
    process.stdout.write(JSON.stringify({ registry: relay.registries.registry, secret: relay.secret }) + "\\n");
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
  const { registry, secret } = JSON.parse(line.toString()) as { registry: string; secret: string };
  return { child, registry, secret };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function send(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method, headers, agent: keepAlive }, (res) => {
      res.resume();
      res.on("end", () =>
        res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

let keepAlive: import("node:http").Agent;

/** A publish body as npm builds it: the manifest, then the tarball as base64, `megabytes` in all. */
function publishBody(tarball: Buffer, version: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      _id: "rocket",
      name: "rocket",
      "dist-tags": { latest: version },
      versions: { [version]: { name: "rocket", version } },
      _attachments: { [`rocket-${version}.tgz`]: { data: tarball.toString("base64"), length: tarball.length } },
    }),
  );
}

export async function benchRegistryRelay(options: {
  registry: BenchRegistry;
  requests: number;
  uploads: number;
  uploadMb: number;
  log: (line: string) => void;
}): Promise<RegistryRelayResults> {
  const { Agent } = await import("node:http");
  keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  const registry = await startRegistry(options.registry);
  const relay = await startRelayProcess(registry.url, registry.token);
  const directHeaders = { authorization: `Bearer ${registry.token}` };
  const relayHeaders = { authorization: `Bearer ${relay.secret}` };
  try {
    const direct: number[] = [];
    const relayed: number[] = [];
    for (let i = 0; i < 50; i++) {
      await send(`${registry.url}-/ping`, "GET", directHeaders);
      await send(`${relay.registry}-/ping`, "GET", relayHeaders);
    }
    for (let i = 0; i < options.requests; i++) {
      direct.push(await send(`${registry.url}-/ping`, "GET", directHeaders));
      relayed.push(await send(`${relay.registry}-/ping`, "GET", relayHeaders));
    }
    const rssAfterSmallMb = peakRssMb(relay.child.pid as number);
    options.log(
      `  GET p50 direct ${median(direct).toFixed(2)} ms, relayed ${median(relayed).toFixed(2)} ms (${options.requests} each, alternating)`,
    );

    const tarball = randomBytes(Math.floor((options.uploadMb * 2 ** 20 * 3) / 4));
    const directMbps: number[] = [];
    const relayedMbps: number[] = [];
    let mb = 0;
    const headers = (body: Buffer) => ({ "content-type": "application/json", "content-length": String(body.length) });
    for (let i = 0; i < options.uploads; i++) {
      // A new version each time: the harness, like the registry, refuses to publish over one.
      const direct = publishBody(tarball, `1.0.${2 * i}`);
      const relayed = publishBody(tarball, `1.0.${2 * i + 1}`);
      mb = direct.length / 2 ** 20;
      const directMs = await send(`${registry.url}rocket`, "PUT", { ...headers(direct), ...directHeaders }, direct);
      const relayedMs = await send(`${relay.registry}rocket`, "PUT", { ...headers(relayed), ...relayHeaders }, relayed);
      directMbps.push(mb / (directMs / 1000));
      relayedMbps.push(mb / (relayedMs / 1000));
      options.log(
        `  ${mb.toFixed(0)} MB publish: direct ${directMbps.at(-1)?.toFixed(0)} MB/s, relayed ${relayedMbps.at(-1)?.toFixed(0)} MB/s`,
      );
    }
    const rssAfterUploadsMb = peakRssMb(relay.child.pid as number);
    options.log(
      `  relay peak RSS: ${rssAfterSmallMb.toFixed(0)} MB after small requests, ${rssAfterUploadsMb.toFixed(0)} MB after the uploads`,
    );
    return {
      direct: { p50: median(direct), p99: percentile(direct, 99) },
      relayed: { p50: median(relayed), p99: percentile(relayed, 99) },
      directMbps,
      relayedMbps,
      uploadMb: mb,
      rssAfterSmallMb,
      rssAfterUploadsMb,
    };
  } finally {
    relay.child.kill();
    keepAlive.destroy();
    registry.close();
  }
}
