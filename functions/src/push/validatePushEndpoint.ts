import { isIP } from "node:net";

/**
 * Push services of the browsers in use. An endpoint elsewhere is refused unless
 * its host is in COUNTERSIGN_PUSH_ALLOW, so a device cannot make the server post
 * to arbitrary hosts (request forgery into private networks).
 */
export const KNOWN_PUSH_SERVICE_SUFFIXES = [
  "fcm.googleapis.com",
  "android.googleapis.com",
  "updates.push.services.mozilla.com",
  "push.services.mozilla.com",
  "push.apple.com",
  "notify.windows.com",
];

/** Why `endpoint` may not be used as a push endpoint, or null when it may. */
export function validatePushEndpoint(endpoint: string, allow: readonly string[]): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "The push endpoint is not a URL.";
  }
  if (url.username || url.password) return "The push endpoint must not carry credentials.";
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (allow.includes(url.host.toLowerCase()) || allow.includes(host)) {
    return url.protocol === "https:" || url.protocol === "http:" ? null : "The push endpoint must be http(s).";
  }
  if (url.protocol !== "https:") return "The push endpoint must use https.";
  if (url.port && url.port !== "443") return "The push endpoint must use the standard https port.";
  if (isIP(host) || host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local")) {
    return "The push endpoint must be a public push service, not an address.";
  }
  const known = KNOWN_PUSH_SERVICE_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
  return known ? null : `${host} is not a known push service.`;
}
