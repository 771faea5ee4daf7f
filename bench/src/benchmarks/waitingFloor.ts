import { readFileSync } from "node:fs";
import { forkServer } from "../lib/forkServer.js";

/** RSS of a bare server before and with `count` requests held open, MB. */
export interface HeldRss {
  idleMb: number;
  heldMb: number;
  /** (held − idle) ÷ count, KB. */
  perRequestKb: number;
}

export interface WaitingFloorResults {
  count: number;
  /** node:http alone: each POST read to its end, then held unanswered. */
  http: HeldRss;
  /** A bare express app: the same, the body read with express.raw as the relay reads it. */
  express: HeldRss;
  /** The same express app, with requests and responses created with express's prototypes (lib/holdServer.ts). */
  expressPrototypes: HeldRss;
}

const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) * 1024;

/**
 * The floor of the waiting benchmark (waiting.ts): what `count` held-open
 * requests cost a bare node:http server and a bare express app
 * (lib/holdServer.ts, each its own process), measured the way the relay is —
 * the same client (fetch, one connection per call), the same request (POST
 * with a bearer token and a small JSON body), opened in batches of 100, RSS
 * read from /proc/<pid>/status one second after the last one is held, against
 * the idle RSS after 40 requests.
 */
export async function benchWaitingFloor(options: {
  count: number;
  log?: (line: string) => void;
}): Promise<WaitingFloorResults> {
  return {
    count: options.count,
    http: await heldRss("http", options),
    express: await heldRss("express", options),
    expressPrototypes: await heldRss("express-prototypes", options),
  };
}

async function heldRss(
  kind: "http" | "express" | "express-prototypes",
  options: { count: number; log?: (line: string) => void },
) {
  const server = await forkServer("./holdServer.js", [kind]);
  const calls: Promise<unknown>[] = [];
  const held = async () => Number(await (await fetch(`${server.origin}/held`)).text());
  try {
    for (let i = 0; i < 40; i++) await held();
    const idle = rssOf(server.pid);
    for (let start = 0; start < options.count; start += 100) {
      const target = Math.min(options.count, start + 100);
      for (let i = start; i < target; i++) {
        calls.push(
          fetch(`${server.origin}/api/v1/otp`, {
            method: "POST",
            headers: { authorization: "Bearer cs_waitingfloor", accept: "application/json" },
            body: JSON.stringify({ package: { name: `wait-${i}`, version: "1.0.0" }, wait: 900 }),
          }).catch(() => undefined),
        );
      }
      const deadline = Date.now() + 120_000;
      while ((await held()) < target) {
        if (Date.now() > deadline) throw new Error(`${kind}: only ${await held()} of ${target} requests held`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    const heldNow = rssOf(server.pid);
    const result = {
      idleMb: idle / 2 ** 20,
      heldMb: heldNow / 2 ** 20,
      perRequestKb: (heldNow - idle) / 1024 / options.count,
    };
    options.log?.(
      `  ${kind}: idle ${result.idleMb.toFixed(0)} MB, ${options.count} held ${result.heldMb.toFixed(0)} MB (+${(result.heldMb - result.idleMb).toFixed(0)} MB, ${result.perRequestKb.toFixed(1)} KB each)`,
    );
    return result;
  } finally {
    await server.close();
    await Promise.allSettled(calls);
  }
}
