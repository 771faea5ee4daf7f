import { AsyncLocalStorage } from "node:async_hooks";
import { redactTokens } from "@countersign/shared";
import { ConfigError } from "./config.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Fields every log line written inside `logContext.run(fields, …)` carries: the HTTP layer
 * puts each request's id there, so the domain's lines about that request carry it too
 * without every function passing it along.
 */
export const logContext = new AsyncLocalStorage<Record<string, unknown>>();

/**
 * `standalone`: `{"time","level","msg",…}`. `cloud`: Google Cloud's structured logging,
 * `{"severity","message",…}`, which Cloud Logging reads the level from (a plain line there
 * is all INFO, or all ERROR on stderr); error lines also carry Error Reporting's event type,
 * so they are reported without a stack trace.
 */
export type LogFormat = "standalone" | "cloud";

const SEVERITY: Record<Exclude<LogLevel, "silent">, string> = {
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
};
const ERROR_REPORTING_EVENT = "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent";

/** `cloud` when running as a Cloud Function or on Cloud Run (they set K_SERVICE, FUNCTION_TARGET). */
export function logFormatFor(env: NodeJS.ProcessEnv): LogFormat {
  return env.K_SERVICE || env.FUNCTION_TARGET ? "cloud" : "standalone";
}

/**
 * JSON lines on stdout (warnings and errors on stderr). Every line passes through
 * redactTokens, so a link token that slips into a URL or message is not kept.
 */
export function createLogger(
  level: LogLevel = "info",
  write = defaultWrite,
  format: LogFormat = logFormatFor(process.env),
): Logger {
  const log = (at: Exclude<LogLevel, "silent">) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    const context = logContext.getStore();
    const entry =
      format === "cloud"
        ? {
            severity: SEVERITY[at],
            message,
            ...(at === "error" ? { "@type": ERROR_REPORTING_EVENT } : {}),
            ...context,
            ...fields,
          }
        : { time: new Date().toISOString(), level: at, msg: message, ...context, ...fields };
    write(at, redactTokens(JSON.stringify(entry)));
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function defaultWrite(level: LogLevel, line: string) {
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(`${line}\n`);
}

/** The level named by COUNTERSIGN_LOG_LEVEL (default info); ConfigError for anything else. */
export function parseLogLevel(raw: string | undefined): LogLevel {
  const value = raw?.trim().toLowerCase();
  if (!value) return "info";
  if (value in ORDER) return value as LogLevel;
  throw new ConfigError(`COUNTERSIGN_LOG_LEVEL must be debug, info, warn, error or silent (got "${raw?.trim()}").`);
}
