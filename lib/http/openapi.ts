/**
 * The OpenAPI 3.1 document of the REST API, served at GET /api/openapi.json and rendered at /docs.
 *
 * Everything about an operation comes from its handler's `route({...})` definition (lib/http/route.ts; the
 * handlers are gathered in lib/http/api-routes.ts): path, access, schemas, summary, success responses (schemas in
 * lib/api-contract/) and the error codes its use case may answer. The errors every route of its kind can give
 * (401 without a caller, 403 for a missing permission or a cross-site request, 422 for invalid input, 504 past
 * the request's deadline, ...) are derived from the definition. This file is the document's frame: tags, headers,
 * the problem codes' descriptions, security schemes, the events' `webhooks` section. test/api/openapi.test.ts
 * validates the document and checks real responses against it.
 *
 * zod-openapi renders the zod schemas (request schemas as their input, response schemas as their output) with zod
 * 4's own JSON Schema conversion, which is the dialect OpenAPI 3.1 uses.
 */
import "server-only";

import { z } from "zod";
import {
  createDocument,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";

import { ERROR_CODES } from "../domain/errors";
import { EVENT_TYPES } from "../domain/events";
import type { RouteAccess } from "../domain/permissions";
import { EVENT_MESSAGES, HTTP_ERROR_CODES, problemResponse } from "../api-contract";
import { REQUEST_HEADERS, RESPONSE_HEADERS, TAGS, type ResponseHeader, type SuccessResponse } from "./api-docs";
import { statusOf, type ProblemCode } from "./problem";
import type { RouteHandler } from "./route";








const PROBLEM_DESCRIPTIONS: Partial<Record<ProblemCode, string>> = {
  UNAUTHENTICATED: "no session or API token, or one that is unknown, expired or revoked",
  INVALID_CREDENTIALS: "wrong email or password",
  FORBIDDEN: "your role lacks the permission, an API token called a browser-session route, or the use case's own rules refuse",
  PASSWORD_CHANGE_REQUIRED: "change the one-time password first (PUT /api/v1/session/password)",
  CSRF_REJECTED: "a browser request without this site's Origin, or without a JSON body or X-Requested-With",
  VALIDATION_FAILED: "invalid path, query, body or header; `errors` names each field",
  MALFORMED_JSON: "the body is not JSON (or not UTF-8)",
  BODY_TOO_LARGE: "the body is over 1 MB",
  UNSUPPORTED_MEDIA_TYPE: "the body is not sent as application/json",
  USER_NOT_FOUND: "no such user",
  USER_EMAIL_TAKEN: "someone (deleted or not) already has the email",
  USER_VERSION_CONFLICT: "the user changed since the ETag sent in If-Match",
  PRECONDITION_REQUIRED: "If-Match is missing",
  LAST_ADMIN: "the change would leave no active ADMIN",
  INVALID_CURSOR: "the cursor is not one this listing gave",
  TOO_MANY_ATTEMPTS: "too many failures; wait for Retry-After seconds",
  TOO_MANY_CONCURRENT_REQUESTS: "you (or this server) have as many uploads or event streams open as allowed at once; retry after Retry-After seconds",
  ONE_TIME_PASSWORD_EXPIRED: "the right one-time password, but issued more than 24 hours ago; a restart of the server issues a new one",
  WRONG_PASSWORD: "the current password is wrong",
  INVITATION_INVALID: "the link is unknown, used or expired",
  TOKEN_NOT_FOUND: "no such token",
  TOKEN_LIFETIME_TOO_LONG: "the expiry is later than API_TOKEN_MAX_LIFETIME_DAYS allows",
  SESSION_NOT_FOUND: "no such session of yours",
  IDEMPOTENCY_KEY_REUSED: "the Idempotency-Key was used for a different request",
  DEADLINE_EXCEEDED: "the request did not finish within its deadline",
  DATABASE_BUSY: "every database connection stayed busy, or the change collided with another (a deadlock); retry after Retry-After seconds",
  DATABASE_UNAVAILABLE: "the database cannot be reached (an outage; the circuit breaker is open); retry after Retry-After seconds",
  BULK_LIMIT_EXCEEDED: "the filter matches more users than one bulk call may change; narrow it",
  IMPORT_NOT_FOUND: "no such import",
  IMPORT_FILE_INVALID: "the file is not UTF-8 CSV with a header row naming email and name (and at most role, status)",
  FILE_TOO_LARGE: "the file is over 20 MB",
  FLAG_NOT_FOUND: "no such flag",
  FLAG_VERSION_CONFLICT: "the flag changed since the ETag sent in If-Match",
  FLAG_INVALID: "the change would leave the flag invalid (a missing variation, a rollout not summing to 100 %)",
  FLAGS_MANAGED_ELSEWHERE: "LaunchDarkly manages the flags (LAUNCHDARKLY_SDK_KEY): change them there",
  READ_ONLY_MODE: "the console is in read-only mode (flag ops-read-only-mode); retry after Retry-After seconds",
  FEATURE_OFF: "the feature is turned off by its flag (bulk-import)",
  WEBHOOK_NOT_FOUND: "no such webhook endpoint",
  WEBHOOK_DELIVERY_NOT_FOUND: "no such delivery in this endpoint's log (finished ones are pruned after EVENTS_RETENTION_HOURS)",
  WEBHOOK_URL_REFUSED: "the URL is not http(s), carries credentials, or is an address that webhooks may not be sent to",
  NOT_FOUND: "no API route at this address",
  METHOD_NOT_ALLOWED: "the route does not answer this method; `Allow` lists those it does",
  INTERNAL: "something failed on our side; quote the requestId",
};

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Not signed in",
  403: "Refused",
  404: "Not found",
  409: "Conflict",
  410: "Gone",
  412: "Precondition failed",
  413: "Content too large",
  415: "Unsupported media type",
  422: "Invalid request",
  428: "Precondition required",
  429: "Too many requests",
  500: "Internal error",
  503: "Service unavailable",
  504: "Deadline exceeded",
};

/** Every code a problem body may carry, in the order of lib/domain/errors.ts and lib/http/problem.ts. */
const ALL_CODES: readonly ProblemCode[] = [...ERROR_CODES, ...HTTP_ERROR_CODES];

/** The errors a route gives by being the kind of route it is, decided by the wrapper (lib/http/route.ts). */
function derivedCodes({ access, definition }: RouteHandler): ProblemCode[] {
  // A malformed or unknown bearer token is 401 on every route, public ones included.
  const codes: ProblemCode[] = ["UNAUTHENTICATED"];
  if (access.access !== "public") {
    if (!definition.allowedBeforePasswordChange) codes.push("PASSWORD_CHANGE_REQUIRED");
    if (access.access !== "self" || !access.tokens) codes.push("FORBIDDEN");
  }
  if (definition.method !== "GET") codes.push("CSRF_REJECTED");
  if (definition.feature) codes.push("FEATURE_OFF");
  if (definition.method !== "GET" && !definition.writableInReadOnlyMode) {
    codes.push("READ_ONLY_MODE");
  }
  if (definition.body) codes.push("UNSUPPORTED_MEDIA_TYPE", "MALFORMED_JSON", "BODY_TOO_LARGE");
  if (definition.body || definition.query || definition.params || definition.requestHeaders?.includes("Idempotency-Key")) {
    codes.push("VALIDATION_FAILED");
  }
  // Every route may reach the database (authentication does): its deadline and its pool apply to all.
  codes.push("DEADLINE_EXCEEDED", "DATABASE_BUSY", "DATABASE_UNAVAILABLE", "INTERNAL");
  return codes;
}

/** The problem+json responses for a set of codes, one per status; `x-problem-codes` lists each one's codes. */
function errorResponses(codes: readonly ProblemCode[]): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of ALL_CODES) {
    if (!codes.includes(code)) continue;
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const extra: ResponseHeader[] = status === 401 ? ["WWW-Authenticate"] : status === 429 || status === 503 ? ["Retry-After"] : [];
    responses[statusKey(status)] = {
      description: [
        STATUS_TEXT[status] ?? `HTTP ${status}`,
        "",
        ...statusCodes.map((code) => `- \`${code}\`${PROBLEM_DESCRIPTIONS[code] ? `: ${PROBLEM_DESCRIPTIONS[code]}` : ""}`),
      ].join("\n"),
      headers: responseHeaders(extra),
      content: { "application/problem+json": { schema: problemResponse } },
      "x-problem-codes": statusCodes,
    };
  }
  return responses;
}

type StatusKey = `${1 | 2 | 3 | 4 | 5}${string}`;

/** A status as a key of an OpenAPI responses object. */
function statusKey(status: number): StatusKey {
  const key = String(status);
  if (!isStatusKey(key)) throw new Error(`${status} is not an HTTP status`);
  return key;
}

function isStatusKey(key: string): key is StatusKey {
  return /^[1-5]\d\d$/.test(key);
}

function responseHeaders(names: readonly ResponseHeader[]) {
  return z.object(Object.fromEntries(["X-Request-Id" as const, ...names].map((name) => [name, RESPONSE_HEADERS[name]])));
}

function securityOf(access: RouteAccess): ZodOpenApiOperationObject["security"] {
  if (access.access === "public") return [];
  return access.tokens ? [{ bearerToken: [] }, { sessionCookie: [] }] : [{ sessionCookie: [] }];
}

/** `/api/v1/users/[id]` (Next's file tree) as OpenAPI spells it: `/api/v1/users/{id}`. */
export function openApiPath(template: string): string {
  return template.replace(/\[([^\]]+)\]/g, "{$1}");
}

function operation(name: string, handler: RouteHandler): ZodOpenApiOperationObject {
  const { access, definition } = handler;
  const success: ZodOpenApiResponsesObject = {};
  for (const [status, response] of Object.entries(definition.responses)) {
    success[statusKey(Number(status))] = successResponse(response);
  }
  const who =
    access.access === "public"
      ? "Anyone may call it."
      : access.access === "self"
        ? "Any signed-in caller."
        : `Requires the permission \`${access.access}\`.`;
  const tokens = access.access !== "public" && !access.tokens ? " API tokens are refused: browser sessions only." : "";
  return {
    operationId: name,
    summary: definition.summary,
    description: [definition.description, `${who}${tokens}`].filter(Boolean).join("\n\n"),
    tags: [definition.tag],
    security: securityOf(access),
    requestParams: {
      ...(definition.params && { path: definition.params }),
      ...(definition.query && { query: definition.query }),
    },
    ...(definition.requestHeaders && { parameters: definition.requestHeaders.map((header) => REQUEST_HEADERS[header]) }),
    ...(definition.body && {
      requestBody: {
        required: true,
        content: Object.fromEntries((definition.bodyTypes ?? ["application/json"]).map((type) => [type, { schema: definition.body }])),
      },
    }),
    ...(!definition.body &&
      definition.rawBodies && {
        requestBody: {
          required: true,
          content: Object.fromEntries(Object.entries(definition.rawBodies).map(([type, schema]) => [type, { schema }])),
        },
      }),
    responses: {
      ...success,
      ...errorResponses([...new Set([...derivedCodes(handler), ...(definition.errors ?? [])])]),
    },
  };
}

function successResponse(response: SuccessResponse): ZodOpenApiResponseObject {
  return {
    description: response.description,
    headers: responseHeaders(response.headers ?? []),
    ...(response.schema && { content: { [response.mediaType ?? "application/json"]: { schema: response.schema } } }),
  };
}

/** The document of these handlers, each named by its export name (its operationId). */
export function buildOpenApiDocument(handlers: readonly { name: string; handler: RouteHandler }[]) {
  const paths: ZodOpenApiPathsObject = {};
  // Request bodies as named components (`PatchUserBody`), shown once however many media types accept them.
  const bodies: Record<string, z.core.$ZodType> = {};
  for (const { name, handler } of handlers) {
    const path = openApiPath(handler.definition.path);
    const method = methodKey(handler.definition.method);
    paths[path] = { ...paths[path], [method]: operation(name, handler) };
    if (handler.definition.body) bodies[`${name.charAt(0).toUpperCase()}${name.slice(1)}Body`] = handler.definition.body;
  }
  const document: ZodOpenApiObject = {
    openapi: "3.1.0",
    info: {
      title: "User console API",
      version: "1",
      description:
        "The REST API of the user console. Errors are `application/problem+json` (RFC 9457) with a stable `code`; " +
        "every response carries `X-Request-Id`. Call it with an API token (`Authorization: Bearer uct_...`) or " +
        "from the browser with the session cookie (then a change also needs this site's Origin header). An address " +
        "under /api that is no route answers 404 `NOT_FOUND`, a method the route lacks 405 `METHOD_NOT_ALLOWED` with " +
        "`Allow`; every route answers OPTIONS with `Allow`, and HEAD where it answers GET.",
    },
    tags: TAGS.map((tag) => ({ ...tag })),
    paths,
    webhooks: eventWebhooks(),
    components: {
      schemas: bodies,
      securitySchemes: {
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description: "An API token, `uct_...`, created by an ADMIN on the API tokens page; it carries its own role.",
        },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "__Host-uc_session",
          description:
            "The browser session set by POST /api/v1/session (named `uc_session` on http://localhost). A request that " +
            "changes something must also carry this site's Origin and a JSON body or X-Requested-With (CSRF).",
        },
      },
    },
  };
  return createDocument(document, { override: forViewers });
}

/**
 * OpenAPI 3.1's `webhooks`: the domain events (issue 20) the app sends out, one entry per event type, with its
 * message schema (lib/api-contract/events.ts). The same JSON is a NATS message's body.
 */
function eventWebhooks(): ZodOpenApiPathsObject {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => {
      const { summary, schema } = EVENT_MESSAGES[type];
      const post: ZodOpenApiOperationObject = {
        summary,
        description:
          "Sent at least once, after the change committed, in the order of the subject's `sequence`; a receiver drops " +
          "an `id` it has seen. To each webhook endpoint that wants the type it is POSTed signed per the Standard " +
          "Webhooks spec (`webhook-id`: the event's id; `webhook-timestamp`; `webhook-signature` with the endpoint's " +
          "secret), one delivery at a time per endpoint, retried for up to a day (docs/decisions/017-webhooks.md). " +
          "The same JSON is published on NATS JetStream as `user-console." + type + "` when NATS_URL is set.",
        tags: ["Events"],
        requestBody: { required: true, content: { "application/json": { schema } } },
        responses: { "2XX": { description: "Taken: not sent again" } },
      };
      return [type, { post }];
    }),
  );
}

/**
 * Spellings zod chooses that mean the same in JSON Schema but that Scalar's document store (1.46) rejects,
 * logging "document validation errors" and dropping those schemas' examples: a nullable string or number as
 * `anyOf: [{ type: T, ... }, { type: "null" }]` (becomes `type: [T, "null"]`, the form zod itself uses for a
 * plain nullable string), and a record of anything as `additionalProperties: {}` (becomes `true`; the
 * `propertyNames: { type: "string" }` beside it says nothing about JSON, whose keys are strings anyway).
 */
function forViewers({ jsonSchema }: { jsonSchema: Record<string, unknown> }): void {
  // A union without a type of its own (a flag's variations: boolean or string; a rule: a variation or a rollout)
  // gets its members' types, which it has anyway: Scalar's store wants every schema to name one.
  const members = ["anyOf", "oneOf", "allOf"].flatMap((key) => (Array.isArray(jsonSchema[key]) ? [jsonSchema[key]] : []))[0];
  if (members && jsonSchema.type === undefined && !("$ref" in jsonSchema)) {
    const types = new Set(members.map((member: unknown) => (isRecord(member) && typeof member.type === "string" && !("$ref" in member) ? member.type : null)));
    if (!types.has(null) && types.size > 0) jsonSchema.type = types.size === 1 ? [...types][0] : [...types];
  }
  const [first, second, ...rest] = Array.isArray(jsonSchema.anyOf) ? jsonSchema.anyOf : [];
  if (rest.length === 0 && isRecord(first) && typeof first.type === "string" && !("$ref" in first) && isNullType(second)) {
    delete jsonSchema.anyOf;
    Object.assign(jsonSchema, { ...first, ...jsonSchema, type: [first.type, "null"] });
  }
  if (isRecord(jsonSchema.additionalProperties) && Object.keys(jsonSchema.additionalProperties).length === 0) {
    jsonSchema.additionalProperties = true;
    delete jsonSchema.propertyNames;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNullType(value: unknown): boolean {
  return isRecord(value) && value.type === "null" && Object.keys(value).length === 1;
}

function methodKey(method: string): "get" | "post" | "put" | "patch" | "delete" {
  switch (method) {
    case "GET":
      return "get";
    case "POST":
      return "post";
    case "PUT":
      return "put";
    case "PATCH":
      return "patch";
    case "DELETE":
      return "delete";
    default:
      throw new Error(`${method} has no place in an OpenAPI path item`);
  }
}
