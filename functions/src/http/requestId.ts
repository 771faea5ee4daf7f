import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import { logContext } from "../logger.js";

/** An id a proxy in front may already have given the request (Caddy, nginx, a load balancer). */
const FORWARDED_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives each HTTP request an id: the one in `X-Request-Id` when a proxy set a sane one, else a
 * new UUID. It is sent back as `X-Request-Id`, kept in `res.locals.requestId`, and every log
 * line written while the request is handled carries it as `httpRequestId` (logContext), so an
 * operator finds all lines of one call from the id a user reports. (`requestId` in log lines
 * is a CI request's id, which lives across several HTTP calls.)
 */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const forwarded = req.get("x-request-id");
    const id = forwarded && FORWARDED_ID.test(forwarded) ? forwarded : randomUUID();
    res.locals.requestId = id;
    res.setHeader("X-Request-Id", id);
    logContext.run({ httpRequestId: id }, next);
  };
}
