/**
 * The REST API's handlers, gathered from lib/http/handlers (whose index `export *`s each file, so a handler added
 * to one of them is here by itself; a new file needs its line in the index), and what is derived from them: the
 * OpenAPI document (served here), the route table with the pages' entries (authorization tests, docs/roles.md),
 * and the API's dispatch (lib/http/api-router.ts). Each handler's `route({...})` is its one definition.
 */
import "server-only";

import { createHash } from "node:crypto";

import { z } from "zod";

import { PAGES, type RouteAccess } from "../domain/permissions";
import * as handlers from "./handlers";
import { buildOpenApiDocument } from "./openapi";
import { noneMatchHits } from "./representations";
import { route, type RouteHandler } from "./route";

function isRouteHandler(value: unknown): value is RouteHandler {
  return typeof value === "function" && "definition" in value && "access" in value;
}

/** Built once per process (the handlers do not change while it runs), with its ETag. */
let served: { body: string; etag: string } | undefined;

function servedDocument(): { body: string; etag: string } {
  if (!served) {
    const body = JSON.stringify(buildOpenApiDocument(apiHandlers()));
    served = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
  }
  return served;
}

/** GET /api/openapi.json: public, cacheable, revalidated by ETag. */
export const getOpenApiDocument = route({
  method: "GET",
  path: "/api/openapi.json",
  access: "public",
  summary: "This OpenAPI document",
  tag: "Reference",
  responses: {
    "200": { description: "The OpenAPI 3.1 document", schema: z.looseObject({ openapi: z.string() }), headers: ["ETag"] },
    "304": { description: "Not modified since the ETag sent", headers: ["ETag"] },
  },
  requestHeaders: ["If-None-Match"],
  async handler({ request }) {
    const { body, etag } = servedDocument();
    const headers = { etag, "cache-control": "public, max-age=300" };
    if (noneMatchHits(request, etag)) return new Response(null, { status: 304, headers });
    return new Response(body, { headers: { ...headers, "content-type": "application/json" } });
  },
});

/** Every handler, by export name (its operationId): the REST API's and this document's own. */
export function apiHandlers(): { name: string; handler: RouteHandler }[] {
  const found = Object.entries(handlers).flatMap(([name, value]) => (isRouteHandler(value) ? [{ name, handler: value }] : []));
  return [...found, { name: "getOpenApiDocument", handler: getOpenApiDocument }];
}

const METHOD_ORDER: readonly RouteAccess["method"][] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** Every route handler's access entry by path and method, then every page's: who may call what (test/authz, docs/roles.md). */
export const ROUTES: readonly RouteAccess[] = [
  ...apiHandlers()
    .map(({ handler }) => handler.access)
    .sort((a, b) => a.path.localeCompare(b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method)),
  ...PAGES,
];
