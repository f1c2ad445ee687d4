/**
 * Structured logs: one JSON object per line on stderr. Callers pass ids, counts and codes;
 * never message bodies, output text, environment values or secrets.
 */

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

type Level = "info" | "warn" | "error";

/** A logger writing JSON lines to `stream` (stderr in the runner). */
export function createLogger(stream: NodeJS.WritableStream): Logger {
  const write = (level: Level, event: string, fields: LogFields = {}): void => {
    stream.write(`${JSON.stringify({ ts: new Date().toISOString(), level, event, ...fields })}\n`);
  };
  return {
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
  };
}

/** A logger that drops everything: for unit tests. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
