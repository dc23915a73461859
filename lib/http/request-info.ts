/**
 * What the HTTP layer reads off a request before anything else: its id, trace id, client address, origin.
 * Framework-free: plain `Request` in, plain values out (and the active span, through the OpenTelemetry API).
 */
import { randomUUID } from "node:crypto";

import { isSpanContextValid, trace } from "@opentelemetry/api";

import { parseUrl } from "../domain/url";

/**
 * Our server (server/main.ts) writes the client's address into this request header, replacing whatever a client
 * sent under that name; nothing else may be trusted for it.
 */
export const CLIENT_IP_HEADER = "x-user-console-client-ip";
/** Our server also puts each response's CSP nonce here, for pages that render inline scripts. */
export const NONCE_HEADER = "x-nonce";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The caller's `X-Request-Id` when it is a sane token, else a new one. */
export function requestIdOf(request: Request): string {
  return saneRequestId(request.headers.get("x-request-id")) ?? randomUUID();
}

/** A request id as sent, when it is a sane token to log and echo (our server checks it before Next sees it). */
export function saneRequestId(given: string | null | undefined): string | null {
  return given && REQUEST_ID.test(given) ? given : null;
}

/**
 * The request's trace id, for problem bodies and the audit log: the active span's (our server starts one per
 * request, from the caller's `traceparent` when there is one), else, while tracing is off (OTEL_SDK_DISABLED),
 * the one in the caller's `traceparent`, so a caller's id still comes back to it.
 */
export function traceIdOf(request: Request): string | null {
  const active = trace.getActiveSpan()?.spanContext();
  if (active && isSpanContextValid(active)) return active.traceId;
  return traceIdOfTraceparent(request.headers.get("traceparent"));
}

/** The trace id of a W3C `traceparent` header, when there is a valid one. */
export function traceIdOfTraceparent(header: string | null | undefined): string | null {
  const match = TRACEPARENT.exec(header ?? "");
  const traceId = match?.[1];
  return traceId && !/^0+$/.test(traceId) ? traceId : null;
}

export function clientIpOf(request: Request): string | null {
  return request.headers.get(CLIENT_IP_HEADER);
}

/**
 * The origin the browser sees, which a same-origin request's Origin header must equal: PUBLIC_ORIGIN when the
 * operator set it; else `http://<Host>`, or behind a trusted proxy X-Forwarded-Proto and X-Forwarded-Host.
 * (Not `request.url`: Next rewrites its host to localhost. The Host header is safe to use here: a browser
 * always sends the real one, so a cross-site page cannot make it match a foreign Origin.)
 */
export function publicOriginOf(
  headers: { get(name: string): string | null },
  options: { trustProxy: boolean; publicOrigin?: string },
): string {
  if (options.publicOrigin) return options.publicOrigin;
  if (options.trustProxy) {
    const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
    const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim();
    const forwarded = proto && host ? parseUrl(`${proto}://${host}`) : null;
    if (forwarded) return forwarded.origin;
  }
  const host = headers.get("host");
  const url = host ? parseUrl(`http://${host}`) : null;
  if (url) return url.origin;
  // No usable Host (browsers always send one): a reserved name no Origin header can equal, so such a request
  // can never pass as same-origin (RFC 6761 keeps .invalid unresolvable).
  return "http://host.invalid";
}

/** Loopback names, where cookies go without Secure (plain http on a developer's machine). */
export function isLocalOrigin(origin: string): boolean {
  const { hostname } = new URL(origin);
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}
