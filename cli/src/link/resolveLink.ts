import { type Failure, failure } from "../failure.js";

/** Where to send the request and with which token. */
export interface Link {
  /** Server base URL without trailing slash; may carry a path prefix (`https://host/countersign`). */
  base: string;
  /** The server's origin: the audience of OIDC tokens. */
  origin: string;
  token: string;
}

const TOKEN_PATTERN = /^cs_[A-Za-z0-9_-]{32}$/;
const URL_FORM = /^(.*)\/api\/v1\/otp\/([^/?#]+)\/?$/;

export interface LinkSources {
  url?: string;
  server?: string;
  token?: string;
}

const TOKEN_SHAPE = "A link token is cs_ followed by 32 letters, digits, - or _. Copy the link again from the app.";

function parseHttpUrl(text: string, what: string): URL | Failure {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return failure("usage", `${what} is not a URL. Expected https://<server>/api/v1/otp/<token>.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return failure("usage", `${what} must start with https:// (or http:// for a local server).`);
  }
  if (url.username || url.password) return failure("usage", `${what} must not contain a user name or password.`);
  return url;
}

/**
 * Finds the server and token from the link URL (`<origin>/api/v1/otp/<token>`)
 * or from a server origin plus a token. Messages never repeat the token.
 */
export function resolveLink(sources: LinkSources): { ok: true; link: Link } | { ok: false; failure: Failure } {
  if (sources.url) {
    const url = parseHttpUrl(sources.url, "The link (--url / COUNTERSIGN_URL)");
    if (!(url instanceof URL)) return { ok: false, failure: url };
    const match = URL_FORM.exec(url.pathname);
    if (!match) {
      return {
        ok: false,
        failure: failure(
          "usage",
          "The link (--url / COUNTERSIGN_URL) must look like https://<server>/api/v1/otp/<token>. Copy it again from the app.",
        ),
      };
    }
    const token = decodeURIComponent(match[2] as string);
    if (!TOKEN_PATTERN.test(token))
      return { ok: false, failure: failure("usage", `The link's token is malformed. ${TOKEN_SHAPE}`) };
    const base = `${url.origin}${match[1]}`;
    return { ok: true, link: { base, origin: url.origin, token } };
  }
  if (sources.server) {
    const url = parseHttpUrl(sources.server, "The server (--server / COUNTERSIGN_SERVER)");
    if (!(url instanceof URL)) return { ok: false, failure: url };
    if (url.search || url.hash) {
      return {
        ok: false,
        failure: failure(
          "usage",
          "The server (--server / COUNTERSIGN_SERVER) is an origin like https://countersign.example.com, without ? or #.",
        ),
      };
    }
    const token = sources.token?.trim();
    if (!token) {
      return {
        ok: false,
        failure: failure(
          "usage",
          "With --server / COUNTERSIGN_SERVER, put the link token in COUNTERSIGN_TOKEN (a CI secret).",
        ),
      };
    }
    if (!TOKEN_PATTERN.test(token))
      return { ok: false, failure: failure("usage", `COUNTERSIGN_TOKEN is malformed. ${TOKEN_SHAPE}`) };
    const base = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    return { ok: true, link: { base, origin: url.origin, token } };
  }
  return {
    ok: false,
    failure: failure(
      "usage",
      "No link given. Set COUNTERSIGN_URL to the CI link from the Countersign app (store it as a CI secret), or pass --url.",
    ),
  };
}
