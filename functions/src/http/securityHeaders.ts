import type { RequestHandler } from "express";

/**
 * The Content-Security-Policy of the PWA. The app is built to run under
 * exactly this: no inline script or style, everything from its own origin.
 * Firebase Hosting must send the same header (firebase.json).
 */
export const PWA_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "worker-src 'self'; manifest-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

/** API responses are data, never documents: nothing may load or frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** On every response, API and app alike; firebase.json's Hosting headers are generated from these. */
export const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
};

/** Sent over https only (behind a TLS proxy with trust proxy set; always on Firebase Hosting). */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000";

/** Headers for every response; `csp` differs between the API and the app. */
export function securityHeaders(csp: string): RequestHandler {
  return (req, res, next) => {
    for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
    res.setHeader("Content-Security-Policy", csp);
    if (req.secure) res.setHeader("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
    next();
  };
}
