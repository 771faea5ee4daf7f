import type { Request, RequestHandler, Response } from "express";

/**
 * The Content-Security-Policy of the PWA. The app is built to run under
 * exactly this: no inline script or style, everything from its own origin.
 * Every fetch directive it does not name (script-src, style-src, connect-src,
 * worker-src, manifest-src, font-src, frame-src…) falls back to `default-src
 * 'self'`: naming them with the same value changed nothing but the header's
 * size, which every page repeats (97 bytes). img-src and media-src widen it
 * for the favicon's `data:` URI and the scanner's camera `blob:`; the
 * directives that do not fall back (object-src is a fetch directive but is
 * named for clarity; base-uri, form-action, frame-ancestors) are set.
 * Firebase Hosting sends the same header (firebase.json, generated from
 * securityHeaderList by scripts/firebase/hosting-headers.mjs).
 */
export const PWA_CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

/** API responses are data, never documents: nothing may load or frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers that protect any response, a script or an image as much as a page:
 * never sniff a type, never send a referrer, never be loaded by another site.
 */
export const SUBRESOURCE_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/**
 * Headers a browser reads only on a document (a page, or a worker's script,
 * which gets its CSP from its own response): framing, the browsing context
 * group, the features the page may use. With the Content-Security-Policy they
 * are ≈ 500 bytes, which the standalone server sends only where they mean
 * something (serveWeb): on HTTP/1.1 every response repeats its headers.
 */
export const DOCUMENT_HEADERS = {
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
};

/**
 * The app's files that are never a document: hashed scripts and stylesheets
 * (`/assets/`), icons (`/icons/`), the manifest and robots.txt. They get only
 * SUBRESOURCE_HEADERS; pages and /sw.js (the service worker's document) get
 * the document headers and the CSP as well. The standalone server (serveWeb)
 * and firebase.json's Hosting headers (scripts/firebase/hosting-headers.mjs)
 * both read this.
 */
export const SUBRESOURCE_PATHS = {
  prefixes: ["/assets/", "/icons/"],
  exact: ["/manifest.webmanifest", "/robots.txt"],
} as const;

export function isSubresourcePath(path: string): boolean {
  return (
    SUBRESOURCE_PATHS.prefixes.some((prefix) => path.startsWith(prefix)) ||
    (SUBRESOURCE_PATHS.exact as readonly string[]).includes(path)
  );
}

/** Both sets: what a document gets besides its CSP. */
export const COMMON_HEADERS = { ...SUBRESOURCE_HEADERS, ...DOCUMENT_HEADERS };

/**
 * What an API answer gets besides its CSP: it is data, never a document, so the headers that
 * protect any response, and X-Frame-Options for browsers that predate the CSP's frame-ancestors.
 * The browsing context group and the features a page may use mean nothing for it (its CSP lets it
 * run nothing): ≈ 130 bytes less on every API answer, the phone's and CI's.
 */
export const DATA_HEADERS = { ...SUBRESOURCE_HEADERS, "X-Frame-Options": DOCUMENT_HEADERS["X-Frame-Options"] };

/**
 * What a response is, for its security headers: a `document` (a page, or a worker's script) gets
 * them all and its CSP; a `subresource` (a hashed script, a stylesheet, an icon, the manifest) only
 * SUBRESOURCE_HEADERS; `data` (an API answer) DATA_HEADERS and its CSP.
 */
export type ResponseKind = "document" | "subresource" | "data";

/** Sent on https only: a browser must not be told to insist on https by a plain-http server. */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000";

/**
 * Every security header of a response of `kind`, in order: the common ones, the
 * Content-Security-Policy `csp` (not on a subresource), and on https
 * Strict-Transport-Security. The one source of the headers: the standalone
 * server sends these, and firebase.json's Hosting headers for the app are
 * generated from them (`node scripts/firebase/hosting-headers.mjs`; a test
 * checks they match).
 */
export function securityHeaderList(
  csp: string,
  secure: boolean,
  kind: ResponseKind = "document",
): [name: string, value: string][] {
  const common = { document: COMMON_HEADERS, subresource: SUBRESOURCE_HEADERS, data: DATA_HEADERS }[kind];
  return [
    ...Object.entries(common),
    ...(kind === "subresource" ? [] : [["Content-Security-Policy", csp] as [string, string]]),
    ...(secure ? [["Strict-Transport-Security", STRICT_TRANSPORT_SECURITY] as [string, string]] : []),
  ];
}

/**
 * Headers a response is given before its handler runs, that a handler can take
 * off and put back (a waiting CI call drops them for its wait, ciRoutes.ts):
 * the security headers of `csp` and `extra`. `isSubresource` says which
 * requests are for files that are never a document (default: none); the rest
 * are of kind `others` (the app's pages: "document"; the API: "data").
 */
export interface ResponseHeaders {
  /** Sets the headers `req` calls for; returns whether its path is a subresource's (`isSubresource`). */
  set(req: Request, res: Response): boolean;
  drop(res: Response): void;
}

export function responseHeaders(
  csp: string,
  extra: Record<string, string> = {},
  isSubresource?: (path: string) => boolean,
  others: Exclude<ResponseKind, "subresource"> = "document",
): ResponseHeaders {
  // The four lists (plain http or https × `others` or subresource), built once: set runs on every request.
  const list = (secure: boolean, kind: ResponseKind) => [
    ...securityHeaderList(csp, secure, kind),
    ...Object.entries(extra),
  ];
  const lists = {
    http: { others: list(false, others), subresource: list(false, "subresource") },
    https: { others: list(true, others), subresource: list(true, "subresource") },
  };
  const names = lists.https.others.map(([name]) => name);
  return {
    set(req, res) {
      const subresource = isSubresource?.(req.path) ?? false;
      const scheme = req.secure ? lists.https : lists.http;
      for (const [name, value] of subresource ? scheme.subresource : scheme.others) res.setHeader(name, value);
      return subresource;
    },
    drop(res) {
      for (const name of names) res.removeHeader(name);
    },
  };
}

/** Sets `headers` (responseHeaders: the API's, or the app's) on every response. */
export function securityHeaders(headers: ResponseHeaders): RequestHandler {
  return (req, res, next) => {
    headers.set(req, res);
    next();
  };
}
