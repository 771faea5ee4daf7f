import {
  AnswerBody,
  CreateAccountBody,
  CreateLinkBody,
  ERROR_STATUS,
  type ErrorBody,
  type HealthResponse,
  IDEMPOTENCY_KEY_PATTERN,
  isLinkTokenFormat,
  MAX_OIDC_TOKEN_LENGTH,
  OIDC_TOKEN_HEADER,
  OtpRequestBody,
  type OtpResponse,
  PairBody,
  PasskeyProofBody,
  PushSubscriptionBody,
  RenameBody,
  redactTokens,
  UpdateAccountBody,
  UpdateLinkBody,
} from "@countersign/shared";
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from "express";
import type { z } from "zod";
import type { Deps } from "../deps.js";
import { createAccount, deleteAccount, listAccounts, updateAccount } from "../domain/accounts.js";
import { answerApproval, getApproval, listApprovals } from "../domain/approvals.js";
import { authenticateDevice, type SignedCall } from "../domain/authenticateDevice.js";
import {
  createInvite,
  listDevices,
  pairDevice,
  removeDevice,
  removePushSubscription,
  renameDevice,
  setPushSubscription,
  toDeviceView,
} from "../domain/devices.js";
import { createLink, listLinks, revokeLink, updateLink } from "../domain/links.js";
import { listHistory } from "../domain/listHistory.js";
import { awaitOtp, requestOtp, resumeOtp, waitSeconds, withdrawOtp } from "../domain/requestOtp.js";
import { AppError } from "../errors.js";
import { requireActionPasskey } from "../passkey/requireActionPasskey.js";
import type { DeviceRecord } from "../store/Store.js";
import { createAddressLimiter } from "./addressLimiter.js";
import { mountDeviceRoutes } from "./deviceRoutes.js";
import { mountPasskeyRoutes } from "./passkeyRoutes.js";
import { readiness } from "./readiness.js";
import { requestId } from "./requestId.js";
import { API_CONTENT_SECURITY_POLICY, securityHeaders } from "./securityHeaders.js";

export interface AppOptions {
  /** When aborted, waiting CI calls answer 408 at once (with their request id) so clients resume elsewhere. */
  shutdown?: AbortSignal;
  /** Runs before every route: the standalone server's Prometheus metrics (standalone/metrics.ts). */
  observe?: RequestHandler;
}

function rawBody(req: Request): Uint8Array {
  return Buffer.isBuffer(req.body) ? req.body : new Uint8Array(0);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/** Parses the raw body as JSON against a strict schema; `bad_request` with the reasons otherwise. */
function parseBody<T extends z.ZodType>(schema: T, req: Request, optional = false): z.infer<T> {
  const bytes = rawBody(req);
  let value: unknown;
  if (bytes.length === 0) {
    if (!optional) throw new AppError("bad_request", "A JSON body is required.");
    value = {};
  } else {
    try {
      value = JSON.parse(Buffer.from(bytes).toString("utf8"));
    } catch {
      throw new AppError("bad_request", "The body is not valid JSON.");
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError("bad_request", `Invalid body: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Accepts only the named query parameters. */
function parseQuery(req: Request, allowed: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (!allowed.includes(name)) throw new AppError("bad_request", `Unknown query parameter "${name}".`);
    if (typeof value !== "string") throw new AppError("bad_request", `Query parameter "${name}" must appear once.`);
    out[name] = value;
  }
  return out;
}

function parseIntegerParam(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) > max) {
    throw new AppError("bad_request", `${name} must be a whole number from 0 to ${max}.`);
  }
  return Number(raw);
}

function bearerToken(req: Request): string {
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
function urlToken(req: Request): string {
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
function oidcTokenHeader(req: Request): string | undefined {
  const oidcToken = req.get(OIDC_TOKEN_HEADER);
  if (oidcToken !== undefined && (oidcToken.length < 10 || oidcToken.length > MAX_OIDC_TOKEN_LENGTH)) {
    throw new AppError("bad_request", `${OIDC_TOKEN_HEADER} must hold an OIDC token (a JWT).`);
  }
  return oidcToken || undefined;
}

function signedCall(req: Request): SignedCall {
  return { method: req.method, path: req.originalUrl, headers: req.headers, body: rawBody(req) };
}

function sendOtp(req: Request, res: Response, otp: OtpResponse) {
  if (req.get("accept")?.includes("application/json")) {
    res.json(otp);
  } else {
    // A plain caller reads one line: the code, the JWE, or "opened" for the registry's passkey page.
    res.type("text/plain").send(`${otp.jwe ?? otp.otp ?? (otp.opened ? "opened" : "")}\n`);
  }
}

function sendError(res: Response, error: AppError) {
  const body: ErrorBody & { answeredBy?: unknown } = { error: error.code, message: error.message };
  // Metrics count CI calls by this code (standalone/metrics.ts).
  res.locals.errorCode = error.code;
  if (error.requestId) body.requestId = error.requestId;
  if (error.answeredBy) body.answeredBy = error.answeredBy;
  if (error.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(error.retryAfterSeconds));
  res.status(ERROR_STATUS[error.code]).json(body);
}

/** Refuses every method but `allowed` with 405 and an `Allow` header (HEAD and OPTIONS included). */
function onlyMethods(...allowed: string[]): RequestHandler {
  return (req, res, next) => {
    if (allowed.includes(req.method)) return next();
    res.setHeader("Allow", allowed.join(", "));
    sendError(res, new AppError("method_not_allowed", `This endpoint takes ${allowed.join(" or ")} only.`));
  };
}

/** The caller's User-Agent as the audit log keeps it (the first 300 characters). */
function userAgentOf(req: Request): string | null {
  return req.get("user-agent")?.slice(0, 300) ?? null;
}

/** The caller's address as people write it: `127.0.0.1`, not the IPv4-mapped `::ffff:127.0.0.1`. */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? "unknown";
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

/**
 * The relay's HTTP API (everything under /api/v1). Handlers are thin: parse
 * with the shared schemas, call a domain function, send its result. Errors map
 * to HTTP in `sendError`, the one place that does. Nothing here depends on
 * how the app is hosted (standalone server or Cloud Function).
 */
export function createApp(deps: Deps, options: AppOptions = {}): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", deps.config.trustProxy);
  app.set("etag", false);
  app.use(requestId());
  app.use((req, res, next) => {
    const started = performance.now();
    res.on("finish", () => {
      deps.log.info("http", {
        httpRequestId: res.locals.requestId,
        method: req.method,
        path: redactTokens(req.originalUrl),
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        ip: clientAddress(req),
      });
    });
    next();
  });
  if (options.observe) app.use(options.observe);
  const limitAddress = createAddressLimiter(deps.config.maxCallsPerAddressPerMinute, () => deps.clock.now());

  const api = express.Router();
  api.use(securityHeaders(API_CONTENT_SECURITY_POLICY));
  api.use((_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    next();
  });
  api.use(express.raw({ type: () => true, limit: deps.config.maxBodyBytes }));

  const limited: RequestHandler = (req, _res, next) => {
    limitAddress(clientAddress(req));
    next();
  };
  const device = async (req: Request): Promise<DeviceRecord> => authenticateDevice(deps, signedCall(req));

  // CI calls waiting for an answer, each with the controller that ends its wait. One
  // listener on the shutdown signal ends them all: a listener per call would trip
  // Node's MaxListenersExceededWarning past 10 waiting calls, and AbortSignal.any
  // leaks an entry on the shutdown signal per call on Node 20.
  const waiting = new Set<AbortController>();
  options.shutdown?.addEventListener(
    "abort",
    () => {
      for (const wait of waiting) wait.abort();
      waiting.clear();
    },
    { once: true },
  );

  /** Aborts when the server shuts down or the client goes away, whichever comes first. */
  const waitSignal = (res: Response): AbortSignal => {
    const wait = new AbortController();
    if (options.shutdown?.aborted) {
      wait.abort();
      return wait.signal;
    }
    waiting.add(wait);
    res.on("close", () => {
      waiting.delete(wait);
      wait.abort();
    });
    return wait.signal;
  };

  /**
   * Answers a waiting CI call when `answer` settles, after its handler has
   * returned. A handler that awaited the answer itself would keep express's
   * routing state for the request (the router's frames, reachable from
   * `req.next` and the pending handler promise) and its own scope alive for the
   * whole wait, several KB per call. While parked the call holds its request
   * and response (Node's), the controller of its wait and the store's waiter.
   * Errors take the same path as thrown ones (`errors`).
   */
  const park = (req: Request, res: Response, answer: Promise<OtpResponse>) => {
    // Not needed any more, and kept alive as long as the call waits otherwise:
    // the raw body (a slice that pins an 8 KB Buffer pool slab) and the router
    // frame express leaves in req.next (nothing routes this request further).
    req.body = undefined;
    req.next = undefined;
    answer
      .then((otp) => sendOtp(req, res, otp))
      .catch((error: unknown) => errors(error, req, res, () => {}))
      .catch((error: unknown) => {
        deps.log.error("could not answer a CI call", {
          error: redactTokens(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
        });
        res.destroy();
      });
  };

  api.get("/health", (_req, res) => {
    const body: HealthResponse = {
      status: "ok",
      version: deps.config.version,
      store: deps.store.kind,
      time: deps.clock.now(),
    };
    res.json(body);
  });

  api.get("/ready", readiness(deps));

  api.get("/push/vapid-public-key", (_req, res) => {
    res.json({ publicKey: deps.push.vapidPublicKey });
  });

  // ------------------------------------------------------------ CI

  const otp = async (req: Request, res: Response, token: string) => {
    const query = parseQuery(req, ["wait"]);
    const body = req.method === "GET" ? {} : parseBody(OtpRequestBody, req, true);
    const idempotencyKey = req.get("idempotency-key") ?? null;
    if (idempotencyKey !== null && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new AppError("bad_request", "Idempotency-Key must be 1 to 200 printable ASCII characters.");
    }
    // Every input is checked before anything happens: a bad ?wait= must not start a request.
    const queryWait = parseIntegerParam("wait", query.wait, 86_400);
    const request = await requestOtp(deps, {
      token,
      body,
      idempotencyKey,
      ip: clientAddress(req),
      userAgent: userAgentOf(req),
      method: req.method === "GET" ? "GET" : "POST",
    });
    const seconds = waitSeconds(deps.config, body.wait ?? queryWait);
    park(req, res, awaitOtp(deps, request, seconds, waitSignal(res)));
  };

  // Express answers HEAD with the GET handler and drops the body: a HEAD of the link
  // (link scanners, chat previews) would ring the phone and burn the code. The CI
  // routes take only their documented methods; anything else is refused before it
  // touches anything.
  api.all("/otp", onlyMethods("POST"));
  api.all("/otp/:token", onlyMethods("GET", "POST"));
  api.all("/requests/:requestId", onlyMethods("GET", "DELETE"));

  api.post("/otp", limited, async (req, res) => otp(req, res, bearerToken(req)));
  api.post("/otp/:token", limited, async (req, res) => otp(req, res, urlToken(req)));
  api.get("/otp/:token", limited, async (req, res) => otp(req, res, urlToken(req)));

  api.get("/requests/:requestId", limited, (req, res) => {
    const token = bearerToken(req);
    const query = parseQuery(req, ["wait"]);
    const seconds = waitSeconds(deps.config, parseIntegerParam("wait", query.wait, 86_400));
    const oidcToken = oidcTokenHeader(req);
    park(
      req,
      res,
      resumeOtp(deps, {
        token,
        requestId: String(req.params.requestId),
        seconds,
        signal: waitSignal(res),
        ...(oidcToken ? { oidcToken } : {}),
        ip: clientAddress(req),
        userAgent: userAgentOf(req),
      }),
    );
  });

  api.delete("/requests/:requestId", limited, async (req, res) => {
    const token = bearerToken(req);
    parseQuery(req, []);
    const oidcToken = oidcTokenHeader(req);
    await withdrawOtp(deps, {
      token,
      requestId: String(req.params.requestId),
      ...(oidcToken ? { oidcToken } : {}),
      ip: clientAddress(req),
      userAgent: userAgentOf(req),
    });
    res.status(204).end();
  });

  // ------------------------------------------------------------ devices

  api.post("/devices", limited, async (req, res) => {
    const body = parseBody(PairBody, req);
    res.status(201).json(await pairDevice(deps, signedCall(req), body));
  });

  api.get("/devices/me", async (req, res) => {
    const me = await device(req);
    res.json(toDeviceView(me, me.id));
  });

  api.patch("/devices/me", async (req, res) => {
    const me = await device(req);
    res.json(await renameDevice(deps, me, parseBody(RenameBody, req).name));
  });

  api.get("/devices", async (req, res) => {
    res.json(await listDevices(deps, await device(req)));
  });

  api.put("/devices/me/push", async (req, res) => {
    const me = await device(req);
    res.json(await setPushSubscription(deps, me, parseBody(PushSubscriptionBody, req)));
  });

  api.delete("/devices/me/push", async (req, res) => {
    res.json(await removePushSubscription(deps, await device(req)));
  });

  api.delete("/devices/:deviceId", async (req, res) => {
    const me = await device(req);
    const target = String(req.params.deviceId);
    // A device leaves freely; removing another one, with the passkey required, needs the passkey.
    if (target !== me.id) {
      await requireActionPasskey(deps, me, "remove_device", parseBody(PasskeyProofBody, req, true).assertion);
    }
    await removeDevice(deps, me, target);
    res.status(204).end();
  });

  api.post("/invites", async (req, res) => {
    const me = await device(req);
    await requireActionPasskey(deps, me, "invite", parseBody(PasskeyProofBody, req, true).assertion);
    res.status(201).json(await createInvite(deps, me));
  });

  // ------------------------------------------------------------ accounts and links

  api.get("/accounts", async (req, res) => {
    res.json(await listAccounts(deps, await device(req)));
  });

  api.post("/accounts", async (req, res) => {
    const me = await device(req);
    const { account, created } = await createAccount(deps, me, parseBody(CreateAccountBody, req));
    res.status(created ? 201 : 200).json(account);
  });

  api.patch("/accounts/:accountId", async (req, res) => {
    const me = await device(req);
    res.json(await updateAccount(deps, me, String(req.params.accountId), parseBody(UpdateAccountBody, req)));
  });

  api.delete("/accounts/:accountId", async (req, res) => {
    const me = await device(req);
    const { assertion } = parseBody(PasskeyProofBody, req, true);
    res.json(await deleteAccount(deps, me, String(req.params.accountId), assertion));
  });

  api.get("/accounts/:accountId/links", async (req, res) => {
    res.json(await listLinks(deps, await device(req), String(req.params.accountId)));
  });

  api.post("/accounts/:accountId/links", async (req, res) => {
    const me = await device(req);
    const body = parseBody(CreateLinkBody, req);
    res
      .status(201)
      .json(await createLink(deps, me, String(req.params.accountId), body.name, body.policy ?? null, body.assertion));
  });

  api.patch("/links/:linkId", async (req, res) => {
    const me = await device(req);
    res.json(await updateLink(deps, me, String(req.params.linkId), parseBody(UpdateLinkBody, req)));
  });

  api.delete("/links/:linkId", async (req, res) => {
    res.json(await revokeLink(deps, await device(req), String(req.params.linkId)));
  });

  api.get("/accounts/:accountId/history", async (req, res) => {
    const me = await device(req);
    const limit = parseIntegerParam("limit", parseQuery(req, ["limit"]).limit, 1000);
    res.json(await listHistory(deps, me, String(req.params.accountId), limit || 100));
  });

  // ------------------------------------------------------------ approvals

  api.get("/approvals", async (req, res) => {
    res.json(await listApprovals(deps, await device(req)));
  });

  api.get("/approvals/:requestId", async (req, res) => {
    res.json(await getApproval(deps, await device(req), String(req.params.requestId)));
  });

  api.post("/approvals/:requestId/answer", async (req, res) => {
    const me = await device(req);
    res.json(await answerApproval(deps, me, String(req.params.requestId), parseBody(AnswerBody, req)));
  });

  mountDeviceRoutes(api, deps, { parseBody, signedCall, device, limited, clientAddress });

  mountPasskeyRoutes(api, deps, { parseBody, device });

  api.use((_req, _res, next) => next(new AppError("not_found", "No such API endpoint.")));

  const errors: ErrorRequestHandler = (error, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof AppError) return sendError(res, error);
    const type = (error as { type?: string }).type;
    if (type === "entity.too.large") {
      return sendError(
        res,
        new AppError("payload_too_large", `The body is larger than ${deps.config.maxBodyBytes} bytes.`),
      );
    }
    // The body parser reports a body it cannot decode (e.g. a corrupt gzip or
    // deflate body: zlib's "incorrect header check") as an http-error with a 4xx status.
    const status = (error as { status?: unknown }).status;
    const clientFault = typeof status === "number" && status >= 400 && status < 500;
    if (
      (typeof type === "string" && type.startsWith("request.")) ||
      type === "encoding.unsupported" ||
      type === "charset.unsupported" ||
      clientFault
    ) {
      return sendError(res, new AppError("bad_request", "The request body could not be read."));
    }
    deps.log.error("unexpected error", {
      method: req.method,
      path: redactTokens(req.originalUrl),
      error: redactTokens(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
    });
    sendError(res, new AppError("internal", "Something went wrong on the server."));
  };
  api.use(errors);

  app.use("/api/v1", api);
  return app;
}
