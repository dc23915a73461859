import type { Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

import { parseUrl } from "../../domain/url";

/** A request path as it may leave the process (server/route-templates.ts `createPathRedactor`). */
export type RedactPath = (pathname: string) => string;

/** Attributes that hold a path and maybe a query (`http.target` is the old convention's, Next still writes it). */
const PATH_ATTRIBUTES = ["url.path", "http.target"];
/** Attributes that hold a whole URL (Next's fetch spans write `http.url`). */
const URL_ATTRIBUTES = ["url.full", "http.url"];

/** The safe default while no route table is known: no segment is ours to know. */
export const maskEverySegment: RedactPath = (pathname) => {
  const path = pathname.split("?")[0] ?? "";
  return path.replace(/[^/]+/g, "REDACTED");
};

/**
 * Rewrites, on every span just before it ends, each attribute that carries a URL or a path: the path through
 * `redactPath`, the query string dropped (issue 18, item 4: `/invitations/<secret>` reached exported spans through
 * Next's `http.target`). First in the processor list, so the exporting processors only ever see the result:
 * the secret never leaves the process, whichever code (ours, Next's) wrote the attribute.
 */
export function createUrlRedactingProcessor(redactPath: RedactPath): SpanProcessor {
  const redact = (span: Span) => {
    const attributes = span.attributes;
    for (const key of PATH_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === "string") span.setAttribute(key, redactPath(value));
    }
    for (const key of URL_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === "string") span.setAttribute(key, redactUrl(value, redactPath));
    }
    if (typeof attributes["url.query"] === "string") span.setAttribute("url.query", "REDACTED");
  };
  return {
    onStart: redact,
    onEnding: redact,
    onEnd: () => undefined,
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
}

function redactUrl(value: string, redactPath: RedactPath): string {
  const url = parseUrl(value);
  if (!url) return redactPath(value);
  return `${url.origin}${redactPath(url.pathname)}`;
}
