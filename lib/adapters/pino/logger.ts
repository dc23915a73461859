import { isSpanContextValid, trace } from "@opentelemetry/api";
import { pino, type DestinationStream } from "pino";

import type { Config } from "../../config";
import type { Logger } from "../../ports/logger";

/**
 * Fields never written in clear, wherever they appear at the top level or one level down (`{ err }`,
 * `{ headers }`, `{ body }`, ...): passwords, tokens, cookies, authorization headers, secrets. Code should not
 * log them in the first place; this is the net under that rule (issue 8). Censored, not removed, so a reader
 * sees that something was there.
 */
const SECRET_KEYS = [
  "password",
  "currentPassword",
  "newPassword",
  "oneTimePassword",
  "token",
  "bearerToken",
  "sessionSecret",
  "secret",
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
];
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => {
  const property = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const child = property.startsWith("[") ? `*${property}` : `*.${property}`;
  return [property, child];
});

/**
 * JSON lines on stdout (what log collectors expect in a container). A line written while a span is active (in a
 * request, a use case, a repository call) carries its `traceId` and `spanId` (issue 8), so a log line leads to
 * its trace and back; fields the caller passes under those names win.
 */
export function createLogger(config: Pick<Config, "LOG_LEVEL">, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { service: "user-console" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      mixin: activeSpanIds,
    },
    destination,
  );
}

/** The active span's ids, when there is a valid one (none while tracing is off: OTEL_SDK_DISABLED). */
function activeSpanIds(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
}
