/** Every COUNTERSIGN_* variable the standalone server reads (docs/server.md, docs/oidc.md). */
export const SERVER_SETTINGS = [
  "COUNTERSIGN_DATA_DIR",
  "COUNTERSIGN_PUBLIC_URL",
  "COUNTERSIGN_SETUP_CODE",
  "COUNTERSIGN_WEB_DIR",
  "COUNTERSIGN_MAX_WAIT",
  "COUNTERSIGN_REQUEST_TTL",
  "COUNTERSIGN_MAX_PENDING_PER_LINK",
  "COUNTERSIGN_MAX_REQUESTS_PER_HOUR",
  "COUNTERSIGN_MAX_CALLS_PER_MINUTE",
  "COUNTERSIGN_PUSH_ALLOW",
  "COUNTERSIGN_VAPID_SUBJECT",
  "COUNTERSIGN_TRUST_PROXY",
  "COUNTERSIGN_OIDC_ISSUERS",
  "COUNTERSIGN_LOG_LEVEL",
  "COUNTERSIGN_LOW_MEMORY",
  "COUNTERSIGN_METRICS_PORT",
  "COUNTERSIGN_METRICS_HOST",
  "COUNTERSIGN_MAX_CONNECTIONS",
  "COUNTERSIGN_MAX_CONNECTIONS_PER_ADDRESS",
];

/**
 * Variables of the same prefix that are someone else's: the CLI's (a maintainer's shell may
 * hold them while starting a server), the Firebase smoke test's. Not worth a warning.
 */
const OTHERS = new Set([
  "COUNTERSIGN_URL",
  "COUNTERSIGN_URL_FILE",
  "COUNTERSIGN_SERVER",
  "COUNTERSIGN_TOKEN",
  "COUNTERSIGN_ID_TOKEN",
  "COUNTERSIGN_WAIT",
  "COUNTERSIGN_MODE",
  "COUNTERSIGN_RUN",
  "COUNTERSIGN_OTP",
  "COUNTERSIGN_FIREBASE_TOOLS_DIR",
]);

/** Read by the Firebase function only; the standalone server keeps its VAPID keys in its database. */
const FIREBASE_ONLY = new Set(["COUNTERSIGN_VAPID_PUBLIC_KEY", "COUNTERSIGN_VAPID_PRIVATE_KEY"]);

export interface UnknownSetting {
  name: string;
  /** Why it is ignored, and the setting probably meant. */
  hint: string;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * The COUNTERSIGN_* variables in `env` that the server does not read — most often a typo
 * (`COUNTERSIGN_PUBLIC_URI`) that silently leaves a default in force — each with the setting
 * it is closest to.
 */
export function unknownSettings(env: NodeJS.ProcessEnv): UnknownSetting[] {
  const found: UnknownSetting[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("COUNTERSIGN_") || SERVER_SETTINGS.includes(name) || OTHERS.has(name)) continue;
    if (FIREBASE_ONLY.has(name)) {
      found.push({
        name,
        hint: "only the Firebase deployment reads it; this server keeps its VAPID keys in its database",
      });
      continue;
    }
    const closest = SERVER_SETTINGS.map((known) => ({ known, d: distance(name, known) })).sort((a, b) => a.d - b.d)[0];
    found.push({
      name,
      hint: closest && closest.d <= 3 ? `did you mean ${closest.known}?` : "see docs/server.md for the settings",
    });
  }
  return found;
}
