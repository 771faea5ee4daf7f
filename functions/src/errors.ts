import type { AnsweredBy, ErrorCode } from "@countersign/shared";

/**
 * A failure the caller can act on. Domain functions throw these; the HTTP
 * layer turns `code` into a status with ERROR_STATUS in one place.
 */
export class AppError extends Error {
  override name = "AppError";
  readonly code: ErrorCode;
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly answeredBy: AnsweredBy | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    extra: { requestId?: string; retryAfterSeconds?: number; answeredBy?: AnsweredBy } = {},
  ) {
    super(message);
    this.code = code;
    this.requestId = extra.requestId;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.answeredBy = extra.answeredBy;
  }
}
