import { redactTokens } from "@countersign/shared";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * JSON lines on stdout (errors on stderr). Every line passes through
 * redactTokens, so a link token that slips into a URL or message is not kept.
 */
export function createLogger(level: LogLevel = "info", write = defaultWrite): Logger {
  const log = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    write(at, redactTokens(JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...fields })));
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function defaultWrite(level: LogLevel, line: string) {
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(`${line}\n`);
}

/** The level named by COUNTERSIGN_LOG_LEVEL, or info. */
export function parseLogLevel(raw: string | undefined): LogLevel {
  const value = raw?.trim().toLowerCase();
  return value && value in ORDER ? (value as LogLevel) : "info";
}
