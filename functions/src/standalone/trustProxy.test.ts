import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { type RunningServer, startServer } from "./startServer.js";

/** Issue 18, item 11: X-Forwarded-For is believed only from the proxies the operator named. */

const dirs: string[] = [];
let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(trustProxy: string, host?: string) {
  const dataDir = mkdtempSync(join(tmpdir(), "countersign-proxy-"));
  dirs.push(dataDir);
  const lines: string[] = [];
  const config = loadConfig({ COUNTERSIGN_TRUST_PROXY: trustProxy }, { publicUrl: "http://localhost", version: "t" });
  running = await startServer({
    config,
    dataDir,
    webDir: join(dataDir, "no-web"),
    port: 0,
    ...(host ? { host } : {}),
    log: createLogger("debug", (_level, line) => lines.push(line)),
  });
  return { lines, address: running.server.address() as { address: string; port: number } };
}

/** The client address the server logged for a call that claims `forwardedFor`. */
async function seenAddress(port: number, lines: string[], forwardedFor: string): Promise<string> {
  const logged = () => lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === "http");
  const before = logged().length;
  await fetch(`http://127.0.0.1:${port}/api/v1/health`, { headers: { "x-forwarded-for": forwardedFor } });
  // The access line is written when the response finishes, which can be just after the client has it.
  await expect.poll(() => logged().length, { timeout: 5000, interval: 10 }).toBe(before + 1);
  return logged().at(-1)?.ip;
}

describe("COUNTERSIGN_TRUST_PROXY", () => {
  it("refuses true (any X-Forwarded-For believed) and what express cannot read", () => {
    const load = (value: string) => () =>
      loadConfig({ COUNTERSIGN_TRUST_PROXY: value }, { publicUrl: "http://localhost", version: "t" });
    expect(load("true")).toThrow(ConfigError);
    expect(load("true")).toThrow(/would believe any X-Forwarded-For/);
    expect(load("proxy.example")).toThrow(/proxy hops or proxy addresses/);
    expect(load("1")().trustProxy).toBe(1);
    expect(load("loopback, 10.0.0.0/8")().trustProxy).toBe("loopback, 10.0.0.0/8");
    expect(load("")().trustProxy).toBe(false);
  });

  it("trusting proxy hops, the server listens on loopback only unless HOST says otherwise", async () => {
    const { address } = await start("1");
    expect(address.address).toBe("127.0.0.1");
    await running?.close();
    running = undefined;
    const { address: chosen } = await start("1", "::");
    expect(chosen.address).toBe("::");
  });

  it("trusting proxy addresses, a caller that is not one of them cannot choose its address", async () => {
    const { lines, address } = await start("10.0.0.5", "127.0.0.1");
    expect(await seenAddress(address.port, lines, "198.51.100.1")).toBe("127.0.0.1");
    await running?.close();
    running = undefined;
    const trusted = await start("loopback", "127.0.0.1");
    expect(await seenAddress(trusted.address.port, trusted.lines, "198.51.100.1")).toBe("198.51.100.1");
  });
});
