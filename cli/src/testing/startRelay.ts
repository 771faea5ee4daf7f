import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The standalone relay server built by `npx tsc -b` at the repository root. */
export const SERVER_ENTRY = fileURLToPath(new URL("../../../functions/dist/standalone/main.js", import.meta.url));

export interface Relay {
  origin: string;
  setupCode: string;
  dataDir: string;
  logs(): string;
  /** SIGKILL: a crash, no goodbye to waiting clients. */
  crash(): Promise<void>;
  /** Starts again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Runs the real relay as a child process on a free port and a fresh data directory. */
export async function startRelay(env: Record<string, string> = {}): Promise<Relay> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), "countersign-cli-test-"));
  const setupCode = `CLI-${randomBytes(10).toString("hex").toUpperCase()}`;
  const origin = `http://127.0.0.1:${port}`;
  let output = "";
  let child: ChildProcess | undefined;

  const launch = async () => {
    const started = spawn(process.execPath, [SERVER_ENTRY], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: "127.0.0.1",
        COUNTERSIGN_DATA_DIR: dataDir,
        COUNTERSIGN_SETUP_CODE: setupCode,
        COUNTERSIGN_PUBLIC_URL: origin,
        COUNTERSIGN_MAX_CALLS_PER_MINUTE: "10000",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = started;
    started.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    started.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (started.exitCode !== null) throw new Error(`relay exited with ${started.exitCode}:\n${output}`);
      try {
        if ((await fetch(`${origin}/api/v1/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`relay did not become healthy:\n${output}`);
  };

  const kill = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill(signal);
    await exited;
  };

  await launch();
  return {
    origin,
    setupCode,
    dataDir,
    logs: () => output,
    crash: () => kill("SIGKILL"),
    restart: launch,
    stop: async () => {
      await kill("SIGTERM");
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
