/**
 * The REST API's dispatch (issue 16): `/api/**` requests go from our own server straight to the `route()`-wrapped
 * handlers, without Next's request pipeline, which cost about 1 ms of CPU per request (docs/decisions/010).
 *
 * The table is derived from the handlers themselves (each `route()` carries its method and path; api-routes.ts
 * gathers them): there is no second list to keep in step. The app/api route files still re-export the same
 * handlers for `npm run dev`, and test/authz/api-matrix.test.ts checks that each sits in the file of its path.
 *
 * What Next gave these requests and this keeps: HEAD answered by GET without its body, OPTIONS answered with
 * `Allow`, a trailing slash redirected (308) to the path without it, and path parameters URL-decoded. What it
 * answers differently, on purpose: an unknown path is problem+json 404 and an unsupported method problem+json
 * 405 with `Allow` (Next answered an HTML page and an empty 405). Compression and the request's abort signal
 * belong to the Node side (server/api-server.ts).
 */
import { randomUUID } from "node:crypto";

import { apiHandlers } from "./api-routes";
import { HttpProblem, problemFor, problemResponse } from "./problem";
import { requestIdOf, traceIdOf } from "./request-info";
import type { RouteHandler } from "./route";
import { createRouteMatcher } from "./route-matcher";

/** Every path under this prefix is the API's: answered by a handler, or by a problem+json 404 or 405. */
export const API_PREFIX = "/api";

export function isApiPath(pathname: string): boolean {
  return pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`);
}


/** What a request resolves to, before anything runs. */
export type ApiResolution =
  | { kind: "handler"; template: string; handler: RouteHandler; params: Record<string, string> }
  | { kind: "options"; template: string; allow: string }
  | { kind: "redirect"; location: string }
  | { kind: "method-not-allowed"; template: string; allow: string }
  | { kind: "not-found" };

export interface ApiRouter {
  resolve(method: string, url: URL): ApiResolution;
  /** Answers an API request: the handler's response, or the router's own redirect, 404, 405 or OPTIONS. */
  dispatch(request: Request): Promise<Response>;
}

export function createApiRouter(
  options: {
    handlers?: readonly RouteHandler[];
    /** A failure outside every handler (route() answers its handler's own): logged by the server. */
    onError?: (error: unknown, request: Request) => void;
  } = {},
): ApiRouter {
  const routeHandlers = options.handlers ?? apiHandlers().map(({ handler }) => handler);
  const byTemplate = new Map<string, Map<string, RouteHandler>>();
  for (const handler of routeHandlers) {
    const { method, path } = handler.definition;
    const methods = byTemplate.get(path) ?? new Map<string, RouteHandler>();
    if (methods.has(method)) throw new Error(`Two handlers for ${method} ${path}`);
    byTemplate.set(path, methods.set(method, handler));
  }
  const allowOf = new Map(
    [...byTemplate].map(([template, methods]) => {
      const names = new Set<string>([...methods.keys(), "OPTIONS"]);
      if (names.has("GET")) names.add("HEAD");
      return [template, [...names].sort().join(", ")];
    }),
  );
  const match = createRouteMatcher(byTemplate.keys());

  function resolve(method: string, url: URL): ApiResolution {
    const { pathname } = url;
    if (pathname.length > 1 && pathname.endsWith("/")) {
      // As Next does (trailingSlash: false): one canonical URL per resource.
      return { kind: "redirect", location: `${pathname.replace(/\/+$/, "") || "/"}${url.search}` };
    }
    const found = match(pathname);
    const methods = found && byTemplate.get(found.template);
    if (!found || !methods) return { kind: "not-found" };
    const allow = allowOf.get(found.template) ?? "";
    const handler = methods.get(method) ?? (method === "HEAD" ? methods.get("GET") : undefined);
    if (handler) return { kind: "handler", template: found.template, handler, params: found.params };
    if (method === "OPTIONS") return { kind: "options", template: found.template, allow };
    return { kind: "method-not-allowed", template: found.template, allow };
  }

  return {
    resolve,
    async dispatch(request) {
      try {
        return await answer(request);
      } catch (error) {
        options.onError?.(error, request);
        return problem(request, error);
      }
    },
  };

  async function answer(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const resolution = resolve(request.method, url);
    switch (resolution.kind) {
      case "handler": {
        const response = await resolution.handler(request, { params: Promise.resolve(resolution.params) });
        if (request.method !== "HEAD") return response;
        await response.body?.cancel();
        return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
      }
      case "options":
        return new Response(null, { status: 204, headers: { allow: resolution.allow } });
      case "redirect":
        return new Response(null, { status: 308, headers: { location: resolution.location } });
      case "method-not-allowed":
        return problem(
          request,
          new HttpProblem("METHOD_NOT_ALLOWED", `${resolution.template} answers ${resolution.allow}, not ${request.method}`),
          { allow: resolution.allow },
        );
      case "not-found":
        return problem(
          request,
          new HttpProblem("NOT_FOUND", `No API route at ${url.pathname.slice(0, 200)}: see /api/openapi.json`),
        );
    }
  }
}

/**
 * The answer to a request no URL can be made of (a Host header like "a b"), before any Request exists: the
 * client's mistake (422, as for any invalid header), not a server error.
 */
export function malformedRequest(): Response {
  const requestId = randomUUID();
  const body = problemFor(new HttpProblem("VALIDATION_FAILED", "The request's Host header or URL is malformed"), { requestId, traceId: null });
  return problemResponse(body, { "x-request-id": requestId, "cache-control": "no-store" });
}

function problem(request: Request, error: unknown, headers: Record<string, string> = {}): Response {
  const requestId = requestIdOf(request);
  const body = problemFor(error, { requestId, traceId: traceIdOf(request) });
  return problemResponse(body, { ...headers, "x-request-id": requestId, "cache-control": "no-store" });
}
