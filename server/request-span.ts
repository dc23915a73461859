/**
 * The SERVER span of a request (issue 8) and the trace ids of its log line, for server/request-handler.ts.
 */
import { isSpanContextValid, SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from "@opentelemetry/semantic-conventions";

import { traceIdOfTraceparent } from "../lib/http/request-info";

/** Methods named as such in spans; any other is `_OTHER` (OpenTelemetry's HTTP semantic conventions). */
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"]);

/**
 * The request's SERVER span, child of the caller's span when its `traceparent` was valid (`parent`, extracted
 * by the SDK's propagators: W3C trace context by default, OTEL_PROPAGATORS). Named by route template, never the
 * raw path. `url.path` is the path with every segment that could be a secret masked (`/invitations/REDACTED`),
 * as the semantic conventions ask of sensitive content (issue 18, item 4); the query string, which can hold a
 * search for an email, is left out.
 */
export function startRequestSpan(
  tracer: Tracer,
  parent: Context,
  method: string,
  route: string,
  path: string,
): Span {
  const known = KNOWN_METHODS.has(method);
  return tracer.startSpan(
    `${known ? method : "HTTP"} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: known ? method : "_OTHER",
        [ATTR_HTTP_ROUTE]: route,
        [ATTR_URL_PATH]: path,
      },
    },
    parent,
  );
}

/** A 5xx is the server's failure; a 4xx is the caller's, and leaves the server span unset (as conventions say). */
export function endRequestSpan(span: Span, status: number | undefined): void {
  if (status !== undefined) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * The ids for the request's log line: its span's, which the logger cannot find by itself at `close` (that event
 * runs outside the request's context); while tracing is off, the trace id the caller sent, as in problem bodies
 * (lib/http/request-info.ts `traceIdOf`).
 */
export function traceIdsOf(span: Span | undefined, traceparent: string | undefined): { traceId?: string; spanId?: string } {
  const ids = span?.spanContext();
  if (ids && isSpanContextValid(ids)) return { traceId: ids.traceId, spanId: ids.spanId };
  const traceId = traceIdOfTraceparent(traceparent);
  return traceId ? { traceId } : {};
}
