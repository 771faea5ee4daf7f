import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/dist/bench/src/lib → up five; bench/src/lib → up three). */
export const REPO_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "countersign") return dir;
    } catch {
      // keep climbing
    }
    dir = dirname(dir);
  }
  throw new Error("cannot find the repository root");
})();

export const SERVER_ENTRY = resolve(REPO_ROOT, "functions/dist/standalone/main.js");

export async function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? done(address.port) : reject(new Error("no port"))));
    });
  });
}

/** The real standalone server (functions/dist/standalone/main.js) as a child process on 127.0.0.1. */
export interface ServerProcess {
  origin: string;
  dataDir: string;
  setupCode: string;
  pid(): number;
  logs(): string;
  /** Resident set size of the server process, bytes (from /proc). */
  rss(): number;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

export async function startServerProcess(
  options: { env?: Record<string, string>; dataDir?: string; host?: string } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const host = options.host ?? "127.0.0.1";
  // The public origin (localhost for the app: WebAuthn and service workers want it); the server binds 127.0.0.1.
  const origin = `http://${host}:${port}`;
  const direct = `http://127.0.0.1:${port}`;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "countersign-bench-server-"));
  const setupCode = "BENCH-PROC-SETUP";
  let output = "";
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(process.execPath, [SERVER_ENTRY], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        COUNTERSIGN_DATA_DIR: dataDir,
        COUNTERSIGN_SETUP_CODE: setupCode,
        COUNTERSIGN_PUBLIC_URL: origin,
        COUNTERSIGN_LOG_LEVEL: "warn",
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
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${output}`);
      try {
        if ((await fetch(`${direct}/api/v1/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server did not become healthy:\n${output}`);
  };
  await launch();
  return {
    origin,
    dataDir,
    setupCode,
    pid: () => child.pid ?? -1,
    logs: () => output,
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
      return kb * 1024;
    },
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill(signal);
      await exited;
    },
    restart: launch,
  };
}
