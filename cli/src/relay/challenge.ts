/** A registry's second-factor challenge, as npm's own client recognises it. */
export type Challenge = { type: "otp" } | { type: "web"; authUrl: string; doneUrl: string };

/**
 * Reads a registry answer the way npm-registry-fetch and npm's `otplease` do:
 * `401` with `OTP` among the `www-authenticate` values, or a 401 body saying
 * "one-time pass", is a challenge; when its JSON body carries `authUrl` and
 * `doneUrl`, it is the web (passkey, security key) kind. Anything else: null.
 */
export function readChallenge(status: number, wwwAuthenticate: string | undefined, body: Buffer): Challenge | null {
  if (status !== 401) return null;
  const text = body.toString("utf8");
  const values = (wwwAuthenticate ?? "").split(/,\s*/).map((value) => value.trim().toLowerCase());
  if (!values.includes("otp") && !/one-time pass/.test(text)) return null;
  try {
    const json = JSON.parse(text) as { authUrl?: unknown; doneUrl?: unknown };
    if (typeof json.authUrl === "string" && typeof json.doneUrl === "string" && json.authUrl && json.doneUrl) {
      return { type: "web", authUrl: json.authUrl, doneUrl: json.doneUrl };
    }
  } catch {
    // A classic challenge's body need not be JSON.
  }
  return { type: "otp" };
}

/** The registry's own web host where it differs from the API host (npm documents www.npmjs.com). */
const WEB_HOSTS: Record<string, string[]> = {
  "registry.npmjs.org": ["www.npmjs.com", "npmjs.com"],
};

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === "[::1]";
}

/**
 * Why a web challenge's URLs must not be used, or null when they may be.
 * The page the phone opens must be https on the registry's host or its
 * documented web host (plain http only when the registry itself is plain
 * http on this machine); the URL the CLI polls, with the registry token,
 * must be on the registry's own origin.
 */
export function checkWebChallenge(challenge: { authUrl: string; doneUrl: string }, registry: URL): string | null {
  let auth: URL;
  let done: URL;
  try {
    auth = new URL(challenge.authUrl);
    done = new URL(challenge.doneUrl);
  } catch {
    return "the registry's authUrl or doneUrl is not a URL";
  }
  if (auth.username || auth.password) return "the registry's authUrl carries credentials";
  const localRegistry = registry.protocol === "http:" && isLoopback(registry.hostname);
  const schemeOk =
    auth.protocol === "https:" || (localRegistry && auth.protocol === "http:" && auth.hostname === registry.hostname);
  if (!schemeOk) return `the registry's authUrl is not https (${auth.protocol}//${auth.host})`;
  const allowed = [registry.hostname, ...(WEB_HOSTS[registry.hostname] ?? [])];
  if (!allowed.includes(auth.hostname)) {
    return `the registry's authUrl is on ${auth.hostname}, not on ${allowed.join(" or ")}`;
  }
  if (done.origin !== registry.origin) {
    return `the registry's doneUrl is on ${done.origin}, not on the registry ${registry.origin}`;
  }
  return null;
}

/** The authUrl without its secret part, for logs: scheme, host and the first path segment. */
export function describeAuthUrl(authUrl: string): string {
  try {
    const url = new URL(authUrl);
    const first = url.pathname.split("/").filter(Boolean)[0];
    return `${url.protocol}//${url.host}/${first ? `${first}/…` : ""}`;
  } catch {
    return "(not a URL)";
  }
}

export interface PollDoneOptions {
  /** Headers for the registry (its token): doneUrl is on the registry's origin. */
  headers: Record<string, string>;
  signal: AbortSignal;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const MIN_POLL_MS = 1000;
const MAX_POLL_MS = 10_000;

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * Polls the registry's doneUrl as npm-profile's `webAuthCheckLogin` does:
 * `202` with `Retry-After` (seconds) means not yet, `200` `{token}` means the
 * maintainer used their passkey and `token` is the one-time password for the
 * retry. Stops when `signal` aborts (denied on the phone, out of time).
 */
export async function pollDone(doneUrl: string, options: PollDoneOptions): Promise<string> {
  const fetchImpl = options.fetch ?? fetch;
  const sleep = options.sleep ?? abortableSleep;
  while (true) {
    options.signal.throwIfAborted();
    const response = await fetchImpl(doneUrl, { headers: options.headers, signal: options.signal, redirect: "error" });
    const text = await response.text();
    if (response.status === 200) {
      const token = (JSON.parse(text) as { token?: unknown }).token;
      if (typeof token !== "string" || !token) throw new Error("the registry's doneUrl answered 200 without a token");
      return token;
    }
    if (response.status !== 202) throw new Error(`the registry's doneUrl answered HTTP ${response.status}`);
    const seconds = Number(response.headers.get("retry-after"));
    const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : MIN_POLL_MS;
    await sleep(Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, ms)), options.signal);
  }
}
