import {
  ERROR_STATUS,
  type ErrorBody,
  isLinkTokenFormat,
  MAX_OIDC_TOKEN_LENGTH,
  OIDC_TOKEN_HEADER,
  type OtpResponse,
} from "@countersign/shared";
import type { Request, RequestHandler, Response } from "express";
import type { z } from "zod";
import type { SignedCall } from "../domain/authenticateDevice.js";
import { AppError } from "../errors.js";

/** Parsing and answering helpers the route modules share; none of them touches the store. */

export function rawBody(req: Request): Uint8Array {
  return Buffer.isBuffer(req.body) ? req.body : new Uint8Array(0);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/** Parses the raw body as JSON against a strict schema; `bad_request` with the reasons otherwise. */
export function parseBody<T extends z.ZodType>(schema: T, req: Request, optional = false): z.infer<T> {
  const bytes = rawBody(req);
  let value: unknown;
  if (bytes.length === 0) {
    if (!optional) throw new AppError("bad_request", "A JSON body is required.");
    value = {};
  } else {
    try {
      // Decoded in place: Buffer.from(bytes) would copy the body first.
      value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
    } catch {
      throw new AppError("bad_request", "The body is not valid JSON.");
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError("bad_request", `Invalid body: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Accepts only the named query parameters. */
export function parseQuery(req: Request, allowed: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (!allowed.includes(name)) throw new AppError("bad_request", `Unknown query parameter "${name}".`);
    if (typeof value !== "string") throw new AppError("bad_request", `Query parameter "${name}" must appear once.`);
    out[name] = value;
  }
  return out;
}

export function parseIntegerParam(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) > max) {
    throw new AppError("bad_request", `${name} must be a whole number from 0 to ${max}.`);
  }
  return Number(raw);
}

export function bearerToken(req: Request): string {
  const header = req.get("authorization");
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match?.[1]) throw new AppError("unauthorized", "Send the link token as Authorization: Bearer <token>.");
  return checkTokenFormat(match[1]);
}

/**
 * The token of the link URL form, only as its canonical spelling: a path
 * whose token is percent-encoded (`/otp/cs_%41…`) is refused like an unknown
 * token, so no second spelling of a token is ever looked up (or logged).
 */
export function urlToken(req: Request): string {
  const token = String(req.params.token);
  const raw = req.path.slice(req.path.lastIndexOf("/") + 1);
  if (raw !== token) throw new AppError("unauthorized", "Unknown or revoked link. Check the link token.");
  return checkTokenFormat(token);
}

function checkTokenFormat(token: string): string {
  if (!isLinkTokenFormat(token)) throw new AppError("unauthorized", "Unknown or revoked link. Check the link token.");
  return token;
}

/** The job's OIDC token on a resume or a withdrawal, checked for size only (the policy checks the rest). */
export function oidcTokenHeader(req: Request): string | undefined {
  const oidcToken = req.get(OIDC_TOKEN_HEADER);
  if (oidcToken !== undefined && (oidcToken.length < 10 || oidcToken.length > MAX_OIDC_TOKEN_LENGTH)) {
    throw new AppError("bad_request", `${OIDC_TOKEN_HEADER} must hold an OIDC token (a JWT).`);
  }
  return oidcToken || undefined;
}

export function signedCall(req: Request): SignedCall {
  return { method: req.method, path: req.originalUrl, headers: req.headers, body: rawBody(req) };
}

export function sendOtp(req: Request, res: Response, otp: OtpResponse) {
  if (req.get("accept")?.includes("application/json")) {
    res.json(otp);
  } else {
    // A plain caller reads one line: the code, the JWE, or "opened" for the registry's passkey page.
    res.type("text/plain").send(`${otp.jwe ?? otp.otp ?? (otp.opened ? "opened" : "")}\n`);
  }
}

/** Maps an AppError to its HTTP answer: the one place that does. */
export function sendError(res: Response, error: AppError) {
  const body: ErrorBody & { answeredBy?: unknown } = { error: error.code, message: error.message };
  // Metrics count CI calls by this code (standalone/metrics.ts).
  res.locals.errorCode = error.code;
  if (error.requestId) body.requestId = error.requestId;
  if (error.answeredBy) body.answeredBy = error.answeredBy;
  if (error.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(error.retryAfterSeconds));
  res.status(ERROR_STATUS[error.code]).json(body);
}

/** Refuses every method but `allowed` with 405 and an `Allow` header (HEAD and OPTIONS included). */
export function onlyMethods(...allowed: string[]): RequestHandler {
  return (req, res, next) => {
    if (allowed.includes(req.method)) return next();
    res.setHeader("Allow", allowed.join(", "));
    sendError(res, new AppError("method_not_allowed", `This endpoint takes ${allowed.join(" or ")} only.`));
  };
}

/** The caller's User-Agent as the audit log keeps it (the first 300 characters). */
export function userAgentOf(req: Request): string | null {
  return req.get("user-agent")?.slice(0, 300) ?? null;
}

/** The caller's address as people write it: `127.0.0.1`, not the IPv4-mapped `::ffff:127.0.0.1`. */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? "unknown";
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}
