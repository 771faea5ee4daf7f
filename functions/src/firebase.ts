import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Response } from "express";
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { onRequest, type Request } from "firebase-functions/https";
import { defineInt, defineSecret, defineString } from "firebase-functions/params";
import { onSchedule } from "firebase-functions/scheduler";
import { buildDeps } from "./buildDeps.js";
import { loadConfig } from "./config.js";
import type { Deps } from "./deps.js";
import { ensureSetupCode } from "./domain/devices.js";
import { sweepExpired } from "./domain/sweepExpired.js";
import { createApp } from "./http/createApp.js";
import { createLogger, parseLogLevel } from "./logger.js";
import { ensureVapidKeys, type VapidKeys } from "./push/PushSender.js";
import { FirestoreStore } from "./store/FirestoreStore.js";

/**
 * The Firebase deployment: the same express app as the standalone server, as
 * the HTTP Cloud Function `api` (Hosting rewrites /api/** to it), over
 * Firestore. See docs/deploy-firebase.md.
 */

/** Where the function runs; firebase.json's Hosting rewrite names the same region. */
export const REGION = "us-central1";
/**
 * Cloud Functions answers 504 at its own timeout, so the app must answer a
 * long poll with 408 (resumable) before it: the longest wait is kept this
 * many seconds under the function's timeout.
 */
export const FUNCTION_TIMEOUT_SECONDS = 360;
const TIMEOUT_MARGIN_SECONDS = 30;
/**
 * The cost ceiling: at most this many instances of 1 vCPU and 512 MiB. Waiting CI calls are
 * billed while they wait, so a flood of them (or a loop in someone's CI) scales instances up;
 * three hold 240 waiting calls, far beyond one maintainer's releases, and bound the bill to
 * about $0.27 an hour even if all three stay busy (docs/deploy-firebase.md, "Cost").
 */
export const MAX_INSTANCES = 3;

// Params and secrets keep the standalone server's variable names, so the app's
// loadConfig reads them from the environment in either deployment.
const setupCode = defineSecret("COUNTERSIGN_SETUP_CODE");
const vapidPrivateKey = defineSecret("COUNTERSIGN_VAPID_PRIVATE_KEY");
const vapidPublicKey = defineString("COUNTERSIGN_VAPID_PUBLIC_KEY", {
  description:
    "VAPID public key (base64url) matching the COUNTERSIGN_VAPID_PRIVATE_KEY secret: npx web-push generate-vapid-keys",
});
const publicUrl = defineString("COUNTERSIGN_PUBLIC_URL", {
  default: "",
  description: "Public origin of the app, e.g. https://otp.example.com (empty: https://<project>.web.app)",
});
// Hosting cuts a rewritten request off after 60 s, so by default a call ends with a resumable 408
// before that; CI that calls the function's own URL may wait longer (docs/deploy-firebase.md).
defineInt("COUNTERSIGN_MAX_WAIT", {
  default: 55,
  description: `Longest a CI call is held open, in seconds: 55 fits Hosting's 60-s limit; up to ${FUNCTION_TIMEOUT_SECONDS - TIMEOUT_MARGIN_SECONDS} when CI calls the function URL`,
});
defineInt("COUNTERSIGN_REQUEST_TTL", {
  default: 600,
  description: "How long a CI request stays answerable, in seconds",
});
defineString("COUNTERSIGN_TRUST_PROXY", {
  default: "1",
  description: "Proxy hops in front of the function whose X-Forwarded-For is trusted (Google's front end is one)",
});
// A choice, so a deploy cannot set a level the function would refuse to start with.
defineString("COUNTERSIGN_LOG_LEVEL", {
  default: "info",
  description: "debug, info, warn, error or silent",
  input: { select: { options: ["debug", "info", "warn", "error", "silent"].map((value) => ({ value })) } },
});

function packageVersion(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    return (JSON.parse(readFileSync(resolve(here, "../package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

/** The public origin: the param, else the project's default Hosting site. */
function resolvePublicUrl(env: NodeJS.ProcessEnv): string {
  const configured = publicUrl.value().trim();
  if (configured) return configured;
  const project = env.GCLOUD_PROJECT ?? env.GOOGLE_CLOUD_PROJECT ?? "countersign";
  return `https://${project}.web.app`;
}

/** The VAPID key pair from the secret and param; without them (emulator), one generated and kept in Firestore. */
async function vapidKeys(store: FirestoreStore): Promise<VapidKeys> {
  const privateKey = vapidPrivateKey.value().trim();
  const publicKey = vapidPublicKey.value().trim();
  return privateKey && publicKey ? { publicKey, privateKey } : ensureVapidKeys(store);
}

/** Builds the dependencies once per instance, at its first request (params are only readable at run time). */
async function createDeps(): Promise<Deps> {
  const env = process.env;
  const log = createLogger(parseLogLevel(env.COUNTERSIGN_LOG_LEVEL));
  const loaded = loadConfig(
    { COUNTERSIGN_TRUST_PROXY: "1", ...env },
    { publicUrl: resolvePublicUrl(env), version: packageVersion() },
  );
  const config = {
    ...loaded,
    maxWaitSeconds: Math.min(loaded.maxWaitSeconds, FUNCTION_TIMEOUT_SECONDS - TIMEOUT_MARGIN_SECONDS),
  };
  const app = getApps()[0] ?? initializeApp();
  const store = new FirestoreStore(getFirestore(app));
  const deps = await buildDeps({ store, config, log, vapid: await vapidKeys(store) });
  // Pairing link: <public origin>/pair#code=<the COUNTERSIGN_SETUP_CODE secret>, valid until a device pairs.
  const preset = setupCode.value().trim();
  const pending = await ensureSetupCode(deps, preset);
  if (pending && !preset) {
    log.warn("no device is paired and the COUNTERSIGN_SETUP_CODE secret is empty: set it to pair the first device");
  }
  return deps;
}

let depsPromise: Promise<Deps> | undefined;
function instanceDeps(): Promise<Deps> {
  depsPromise ??= createDeps().catch((error: unknown) => {
    depsPromise = undefined;
    throw error;
  });
  return depsPromise;
}

let appPromise: Promise<{ deps: Deps; app: ReturnType<typeof createApp> }> | undefined;
function instanceApp() {
  appPromise ??= instanceDeps().then(
    (deps) => ({ deps, app: createApp(deps) }),
    (error: unknown) => {
      appPromise = undefined;
      throw error;
    },
  );
  return appPromise;
}

/**
 * Cloud Functions has read and parsed the body before the app sees the
 * request; the app verifies signatures over the exact bytes, so it gets them
 * back (`rawBody`) as if its own raw parser had read them, and its size limit
 * is applied here.
 */
export function restoreRawBody(req: Request, res: Response, maxBodyBytes: number): boolean {
  const raw = req.rawBody ?? Buffer.alloc(0);
  if (raw.length > maxBodyBytes) {
    res
      .status(413)
      .set("Cache-Control", "no-store")
      .json({ error: "payload_too_large", message: `The body is larger than ${maxBodyBytes} bytes.` });
    return false;
  }
  req.body = raw;
  // body-parser skips requests it believes are read: this one is, by Cloud Functions.
  (req as Request & { _body?: boolean })._body = true;
  return true;
}

export const api = onRequest(
  {
    region: REGION,
    timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
    // Waiting CI calls are idle long polls: one instance holds many of them.
    concurrency: 80,
    cpu: 1,
    memory: "512MiB",
    maxInstances: MAX_INSTANCES,
    invoker: "public",
    secrets: [setupCode, vapidPrivateKey],
  },
  async (req, res) => {
    try {
      const { deps, app } = await instanceApp();
      if (!restoreRawBody(req, res, deps.config.maxBodyBytes)) return;
      app(req, res);
    } catch (error) {
      createLogger().error("could not start", { error: error instanceof Error ? error.message : String(error) });
      res
        .status(500)
        .set("Cache-Control", "no-store")
        .json({ error: "internal", message: "The server could not start." });
    }
  },
);

/** Expires unanswered requests, wipes undelivered codes and old records, and closes devices' notifications. */
export const sweep = onSchedule(
  { schedule: "every 5 minutes", region: REGION, timeoutSeconds: 120, secrets: [setupCode, vapidPrivateKey] },
  async () => {
    await sweepExpired(await instanceDeps());
  },
);
