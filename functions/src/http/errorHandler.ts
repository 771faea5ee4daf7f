import { redactTokens } from "@countersign/shared";
import type { ErrorRequestHandler } from "express";
import type { Deps } from "../deps.js";
import { AppError } from "../errors.js";
import { sendError } from "./httpHelpers.js";

/** The API's last handler: AppErrors as they are, body-parser failures as 400/413, anything else as a logged 500. */
export function createErrorHandler(deps: Deps): ErrorRequestHandler {
  return (error, req, res, _next) => {
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
}
