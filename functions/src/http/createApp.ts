import type { HealthResponse } from "@countersign/shared";
import { redactTokens } from "@countersign/shared";
import express, { type Request, type RequestHandler } from "express";
import type { Deps } from "../deps.js";
import { authenticateDevice } from "../domain/authenticateDevice.js";
import { AppError } from "../errors.js";
import type { DeviceRecord } from "../store/Store.js";
import { mountAccountRoutes } from "./accountRoutes.js";
import { createAddressLimiter } from "./addressLimiter.js";
import { mountApprovalRoutes } from "./approvalRoutes.js";
import { mountCiRoutes } from "./ciRoutes.js";
import { mountDeviceRoutes, type RouteHelpers } from "./deviceRoutes.js";
import { createErrorHandler } from "./errorHandler.js";
import { clientAddress, parseBody, signedCall } from "./httpHelpers.js";
import { mountPasskeyRoutes } from "./passkeyRoutes.js";
import { readiness } from "./readiness.js";
import { requestId } from "./requestId.js";
import { API_CONTENT_SECURITY_POLICY, responseHeaders, securityHeaders } from "./securityHeaders.js";

export { clientAddress } from "./httpHelpers.js";

export interface AppOptions {
  /** When aborted, waiting CI calls answer 408 at once (with their request id) so clients resume elsewhere. */
  shutdown?: AbortSignal;
  /** Runs before every route: the standalone server's Prometheus metrics (standalone/metrics.ts). */
  observe?: RequestHandler;
}

/**
 * The relay's HTTP API (everything under /api/v1). The routes live in one
 * module per resource (ciRoutes, deviceRoutes, accountRoutes, approvalRoutes,
 * passkeyRoutes); handlers are thin: parse with the shared schemas, call a
 * domain function, send its result. Errors map to HTTP in `sendError`
 * (httpHelpers.ts), the one place that does. Nothing here depends on how the
 * app is hosted (standalone server or Cloud Function).
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
  const apiHeaders = responseHeaders(API_CONTENT_SECURITY_POLICY, { "Cache-Control": "no-store" }, undefined, "data");
  api.use(securityHeaders(apiHeaders));
  api.use(express.raw({ type: () => true, limit: deps.config.maxBodyBytes }));

  const limited: RequestHandler = (req, _res, next) => {
    limitAddress(clientAddress(req));
    next();
  };
  const device = async (req: Request): Promise<DeviceRecord> => authenticateDevice(deps, signedCall(req));
  const helpers: RouteHelpers = { parseBody, signedCall, device, limited, clientAddress };
  const errors = createErrorHandler(deps);

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

  mountCiRoutes(api, deps, { shutdown: options.shutdown, limited, errors, headers: apiHeaders });
  mountDeviceRoutes(api, deps, helpers);
  mountAccountRoutes(api, deps, helpers);
  mountApprovalRoutes(api, deps, helpers);
  mountPasskeyRoutes(api, deps, helpers);

  api.use((_req, _res, next) => next(new AppError("not_found", "No such API endpoint.")));
  api.use(errors);

  app.use("/api/v1", api);
  return app;
}
