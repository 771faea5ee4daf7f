import type { Request, RequestHandler, Response } from "express";

/**
 * The Content-Security-Policy of the PWA. The app is built to run under
 * exactly this: no inline script or style, everything from its own origin.
 * Firebase Hosting sends the same header (firebase.json, generated from
 * securityHeaderList by scripts/firebase/hosting-headers.mjs).
 */
export const PWA_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "worker-src 'self'; manifest-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

/** API responses are data, never documents: nothing may load or frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

export const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
};

/** Sent on https only: a browser must not be told to insist on https by a plain-http server. */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000";

/**
 * Every security header of a response, in order: the common ones, the
 * Content-Security-Policy `csp`, and on https Strict-Transport-Security. The
 * one source of the headers: the standalone server sends these, and
 * firebase.json's Hosting headers for the app are generated from them
 * (`node scripts/firebase/hosting-headers.mjs`; a test checks they match).
 */
export function securityHeaderList(csp: string, secure: boolean): [name: string, value: string][] {
  return [
    ...Object.entries(COMMON_HEADERS),
    ["Content-Security-Policy", csp],
    ...(secure ? [["Strict-Transport-Security", STRICT_TRANSPORT_SECURITY] as [string, string]] : []),
  ];
}

/**
 * Headers a response is given before its handler runs, that a handler can take
 * off and put back (a waiting CI call drops them for its wait, ciRoutes.ts):
 * the security headers of `csp` and `extra`.
 */
export interface ResponseHeaders {
  set(req: Request, res: Response): void;
  drop(res: Response): void;
}

export function responseHeaders(csp: string, extra: Record<string, string> = {}): ResponseHeaders {
  const names = [...securityHeaderList(csp, true).map(([name]) => name), ...Object.keys(extra)];
  return {
    set(req, res) {
      for (const [name, value] of securityHeaderList(csp, req.secure)) res.setHeader(name, value);
      for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
    },
    drop(res) {
      for (const name of names) res.removeHeader(name);
    },
  };
}

/** Headers for every response; `csp` differs between the API and the app. */
export function securityHeaders(csp: string, extra: Record<string, string> = {}): RequestHandler {
  const headers = responseHeaders(csp, extra);
  return (req, res, next) => {
    headers.set(req, res);
    next();
  };
}
