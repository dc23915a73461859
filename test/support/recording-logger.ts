import type { Logger } from "../../lib/ports/logger";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  fields: object;
  message: string;
}

/** A Logger that appends every line to `lines` (shared with the test), then calls `onLine` (a waiter's check). */
export function recordingLogger(lines: LogLine[], onLine: () => void = () => undefined): Logger {
  const write = (level: LogLine["level"]) => (fields: object, message = "") => {
    lines.push({ level, fields, message });
    onLine();
  };
  const logger: Logger = {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: () => logger,
  };
  return logger;
}
