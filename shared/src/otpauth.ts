import { Base32Error, decodeBase32, normalizeBase32 } from "./base32.js";
import type { TotpAlgorithm, TotpParams } from "./totp.js";

/** A TOTP identity as an authenticator stores it. */
export interface OtpAccount extends TotpParams {
  /** Who issued it, e.g. "npm". May be empty. */
  issuer: string;
  /** The account name, e.g. "alice". */
  label: string;
}

/** Why an `otpauth://` URI or a hand-entered account was refused, in words a user can act on. */
export class OtpauthError extends Error {
  override name = "OtpauthError";
}

export const MIN_DIGITS = 6;
export const MAX_DIGITS = 8;
export const MIN_PERIOD = 1;
export const MAX_PERIOD = 3600;

/**
 * Checks and normalizes an account entered by hand or parsed from a URI:
 * base32 secret, algorithm, 6–8 digits, a whole positive period.
 */
export function validateAccount(input: {
  issuer?: string;
  label: string;
  secret: string;
  algorithm?: string;
  digits?: number;
  period?: number;
}): OtpAccount {
  const label = input.label.trim();
  const issuer = (input.issuer ?? "").trim();
  if (!label) throw new OtpauthError("Enter the account name.");
  if (label.length > 200 || issuer.length > 200) throw new OtpauthError("The issuer or account name is too long.");
  const secret = normalizeBase32(input.secret);
  try {
    decodeBase32(secret);
  } catch (error) {
    if (error instanceof Base32Error) throw new OtpauthError(error.message);
    throw error;
  }
  const algorithm = (input.algorithm ?? "SHA1").toUpperCase().replace("-", "");
  if (algorithm !== "SHA1" && algorithm !== "SHA256" && algorithm !== "SHA512") {
    throw new OtpauthError(`Algorithm "${input.algorithm}" is not supported: use SHA1, SHA256 or SHA512.`);
  }
  const digits = input.digits ?? 6;
  if (!Number.isInteger(digits) || digits < MIN_DIGITS || digits > MAX_DIGITS) {
    throw new OtpauthError(`Digits must be ${MIN_DIGITS} to ${MAX_DIGITS}, not ${input.digits}.`);
  }
  const period = input.period ?? 30;
  if (!Number.isInteger(period) || period < MIN_PERIOD || period > MAX_PERIOD) {
    throw new OtpauthError(`The period must be a whole number of seconds from ${MIN_PERIOD} to ${MAX_PERIOD}.`);
  }
  return { issuer, label, secret, algorithm: algorithm as TotpAlgorithm, digits, period };
}

function intParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) throw new OtpauthError(`"${name}" must be a whole number, not "${raw}".`);
  return Number(raw);
}

/**
 * Parses an `otpauth://totp/…` URI (the text in a registry's 2FA QR code).
 * The label's `Issuer:` prefix and the `issuer` parameter are reconciled; a
 * `hotp` URI is refused because CI needs codes that do not depend on a counter.
 */
export function parseOtpauthUri(uri: string): OtpAccount {
  const text = uri.trim();
  if (!/^otpauth:\/\//i.test(text)) {
    if (/^otpauth-migration:\/\//i.test(text)) {
      throw new OtpauthError("This is a Google Authenticator export code, not a single account's QR code.");
    }
    throw new OtpauthError('This is not an otpauth:// link. It should start with "otpauth://totp/".');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OtpauthError("The otpauth:// link is malformed.");
  }
  const type = url.host.toLowerCase();
  if (type === "hotp") {
    throw new OtpauthError("Counter-based (HOTP) codes are not supported; Countersign needs a time-based (TOTP) code.");
  }
  if (type !== "totp") throw new OtpauthError(`Unknown code type "${url.host}": expected otpauth://totp/.`);
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.replace(/^\/+/, ""));
  } catch {
    throw new OtpauthError("The account name in the link is not properly encoded.");
  }
  const colon = path.indexOf(":");
  const labelIssuer = colon >= 0 ? path.slice(0, colon).trim() : "";
  const label = colon >= 0 ? path.slice(colon + 1).trim() : path.trim();
  const secret = url.searchParams.get("secret");
  if (!secret) throw new OtpauthError("The link has no secret.");
  return validateAccount({
    issuer: url.searchParams.get("issuer") ?? labelIssuer,
    label: label || labelIssuer,
    secret,
    algorithm: url.searchParams.get("algorithm") ?? undefined,
    digits: intParam(url.searchParams, "digits"),
    period: intParam(url.searchParams, "period"),
  });
}

/** Formats an account as a standard `otpauth://totp/` URI other authenticators read. */
export function formatOtpauthUri(account: OtpAccount): string {
  const label = account.issuer
    ? `${encodeURIComponent(account.issuer)}:${encodeURIComponent(account.label)}`
    : encodeURIComponent(account.label);
  const params = new URLSearchParams({ secret: account.secret });
  if (account.issuer) params.set("issuer", account.issuer);
  params.set("algorithm", account.algorithm);
  params.set("digits", String(account.digits));
  params.set("period", String(account.period));
  return `otpauth://totp/${label}?${params.toString()}`;
}
