import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@countersign/functions/dist/standalone/freePort.js";
import { SERVER_ENTRY } from "./paths.js";

export { freePort };

/** A real Countersign server process on its own port and data directory. */
export interface ServerHandle {
  /** `http://<host>:<port>`; by default localhost, not 127.0.0.1: WebAuthn needs it. */
  origin: string;
  port: number;
  setupCode: string;
  /** The pairing link the server prints: `<origin>/pair#code=<setupCode>`. */
  pairUrl: string;
  dataDir: string;
  /** Everything the process printed so far (stdout and stderr, all runs). */
  logs(): string;
  /** The current process id. */
  pid(): number;
  /** Resident set size of the current process in bytes (from /proc). */
  rss(): number;
  /** SIGKILL (a crash) or SIGTERM (a clean stop), then wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Start again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  dataDir?: string;
  port?: number;
  setupCode?: string;
  /** Host name of the public origin (default localhost). */
  host?: string;
  env?: Record<string, string>;
}

async function waitForHealth(port: number, child: ChildProcess, logs: () => string): Promise<void> {
  // Straight to IPv4 loopback, whichever interface the server binds and whatever localhost resolves to.
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${logs()}`);
    try {
      const response = await fetch(`${origin}/api/v1/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not become healthy:\n${logs()}`);
}

export async function startServer(options: StartServerOptions = {}): Promise<ServerHandle> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "countersign-e2e-"));
  const setupCode = options.setupCode ?? `E2E-${randomBytes(10).toString("hex").toUpperCase()}`;
  const origin = `http://${options.host ?? "localhost"}:${port}`;
  let output = "";
  let child: ChildProcess;

  const launch = async () => {
    child = spawn(process.execPath, [SERVER_ENTRY], {
      env: {
        ...process.env,
        PORT: String(port),
        COUNTERSIGN_DATA_DIR: dataDir,
        COUNTERSIGN_SETUP_CODE: setupCode,
        COUNTERSIGN_PUBLIC_URL: origin,
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    await waitForHealth(port, child, () => output);
  };

  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    return exited;
  };

  await launch();
  return {
    origin,
    port,
    setupCode,
    pairUrl: `${origin}/pair#code=${setupCode}`,
    dataDir,
    logs: () => output,
    pid: () => child.pid ?? -1,
    rss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) * 1024;
    },
    kill,
    restart: launch,
    stop: async () => {
      await kill("SIGTERM");
    },
  };
}
