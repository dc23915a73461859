/**
 * Headers our server puts on every response (pages, API, probes, static files), and the request headers it
 * writes for the app before Next sees the request. Here rather than in next.config.js `headers()` because the
 * CSP needs a fresh nonce per request, and rather than in a proxy/middleware because nothing about security
 * should depend on code a header can skip (CVE-2025-29927).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { parseUrl } from "../lib/domain/url";
import { CLIENT_IP_HEADER, isLocalOrigin, NONCE_HEADER } from "../lib/http/request-info";

/** The path and query the browser asked for, for pages that send people back after signing in. */
export const PATH_HEADER = "x-user-console-path";

export interface SecurityHeaderOptions {
  /** Development (React's dev build evaluates strings; hot reload talks over a websocket). */
  dev: boolean;
  /** Take the client address from X-Forwarded-For's last hop (set by our proxy) instead of the socket. */
  trustProxy: boolean;
  /** PUBLIC_ORIGIN: when set, HSTS follows it (https or not) instead of the Host header. */
  publicOrigin?: string;
}

/**
 * The Content-Security-Policy for one response. Scripts: only ours, each with this response's nonce
 * ('strict-dynamic' lets them load their chunks); no 'unsafe-eval' outside development. Styles allow inline
 * style attributes, which React components set (the nonce cannot cover attributes). Nothing may frame us.
 */
export function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The policy for API answers (JSON, CSV, event streams): nothing in them may load or run anything, so no nonce
 * is needed (issue 16: one less random draw per API request).
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

export function applySecurityHeaders(
  request: IncomingMessage,
  response: ServerResponse,
  options: SecurityHeaderOptions & { api: boolean },
): void {
  if (options.api) {
    response.setHeader("content-security-policy", API_CONTENT_SECURITY_POLICY);
    request.headers[CLIENT_IP_HEADER] = clientAddress(request, options.trustProxy);
    applyCommonHeaders(request, response, options);
    return;
  }
  const nonce = randomBytes(16).toString("base64");
  const csp = contentSecurityPolicy(nonce, options.dev);

  // For the app: Next takes the nonce for its own inline scripts from the request's CSP header; our pages read
  // x-nonce. Values a client sent under these names are replaced, never trusted.
  request.headers["content-security-policy"] = csp;
  request.headers[NONCE_HEADER] = nonce;
  request.headers[CLIENT_IP_HEADER] = clientAddress(request, options.trustProxy);
  request.headers[PATH_HEADER] = request.url ?? "/";

  response.setHeader("content-security-policy", csp);
  applyCommonHeaders(request, response, options);
}

/** What every answer carries, page or API. */
function applyCommonHeaders(request: IncomingMessage, response: ServerResponse, options: SecurityHeaderOptions): void {
  response.setHeader("x-content-type-options", "nosniff");
  response.setHeader("x-frame-options", "DENY");
  // same-origin: invitation links carry their secret in the path; no other site may see it in a Referer.
  response.setHeader("referrer-policy", "same-origin");
  response.setHeader("cross-origin-opener-policy", "same-origin");
  const host = request.headers.host ?? "localhost";
  const https = options.publicOrigin
    ? options.publicOrigin.startsWith("https:")
    : !(parseUrl(`http://${host}`) !== null && isLocalOrigin(`http://${host}`));
  if (https) {
    response.setHeader("strict-transport-security", "max-age=63072000; includeSubDomains");
  }
}

function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers["x-forwarded-for"];
    const last = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded)?.split(",").at(-1)?.trim();
    if (last) return last;
  }
  return request.socket.remoteAddress ?? "unknown";
}
