import * as z from "zod/mini";

import type { FieldErrorJson } from "@/lib/api-contract/problem";

/**
 * The one way client components call the REST API (same origin, so the session cookie goes along).
 *
 * - A body is sent as JSON with `content-type: application/json`; a change without a body carries
 *   `X-Requested-With`, which the API requires of cookie-authenticated changes (CSRF: docs/security.md, "CSRF").
 * - An error answer (`application/problem+json`, RFC 9457) is thrown as an {@link ApiError}; any other
 *   failure (a proxy's HTML page, a dropped connection) becomes one too, so callers handle one kind of error.
 * - {@link api} checks the JSON against the response's schema (lib/api-contract) and returns it typed; {@link send}
 *   is for answers without a body (204). The contract's objects are strict (the reference says
 *   `additionalProperties: false`), but a field the page does not know is dropped here, not refused: during a
 *   rolling update a newer replica may answer a page an older one served.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  /** The problem's stable code (`USER_EMAIL_TAKEN`, ...), or undefined when the answer was not a problem. */
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  /** The trace the failed request belongs to (OpenTelemetry), for operators to find its spans and log lines. */
  readonly traceId: string | undefined;
  readonly errors: readonly FieldErrorJson[];
  /** Seconds from a `Retry-After` header (429, 503), when the answer had one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    status: number;
    title: string;
    detail?: string;
    code?: string;
    requestId?: string;
    traceId?: string;
    errors?: readonly FieldErrorJson[];
    retryAfterSeconds?: number;
  }) {
    super(init.detail ?? init.title);
    this.name = "ApiError";
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.code = init.code;
    this.requestId = init.requestId;
    this.traceId = init.traceId;
    this.errors = init.errors ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ApiRequest {
  method?: Method;
  /** Serialized as JSON; a FormData is sent as multipart/form-data. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Calls `path` (e.g. `/api/v1/tokens`) and returns its JSON, checked against `schema`. */
export async function api<S extends z.ZodMiniType>(path: string, schema: S, request: ApiRequest = {}): Promise<z.output<S>> {
  const response = await call(path, request);
  const parsed = parseAnswer(schema, await response.json().catch(() => undefined));
  if (!parsed.success) {
    throw new ApiError({ status: response.status, title: "The server answered in an unexpected form", detail: `${request.method ?? "GET"} ${path}` });
  }
  return parsed.data;
}

/**
 * `json` checked against `schema`, without the fields the schema does not know (a newer server's): only when they
 * are all that is wrong; anything else (a missing field, a wrong type) still fails.
 */
export function parseAnswer<S extends z.ZodMiniType>(schema: S, json: unknown): ReturnType<typeof z.safeParse<S>> {
  const parsed = z.safeParse(schema, json);
  if (parsed.success || !parsed.error.issues.every((issue) => issue.code === "unrecognized_keys")) return parsed;
  for (const issue of parsed.error.issues) {
    const holder = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)[key], json);
    for (const key of issue.code === "unrecognized_keys" ? issue.keys : []) delete (holder as Record<string, unknown>)[key];
  }
  return z.safeParse(schema, json);
}

/** Calls `path` for its effect only (answers 204, or a body nobody needs). */
export async function send(path: string, request: ApiRequest = {}): Promise<void> {
  await call(path, request);
}

async function call(path: string, request: ApiRequest): Promise<Response> {
  const { method = "GET", body, signal } = request;
  const headers: Record<string, string> = { accept: "application/json", ...request.headers };
  // A form (a file upload) goes as multipart/form-data, which fetch labels itself; the API asks such cookie-borne
  // changes for X-Requested-With, as for those without a body.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers["content-type"] = "application/json";
  else if (method !== "GET") headers["x-requested-with"] = "fetch";

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError({ status: 0, title: "The server could not be reached", detail: "Check your connection and try again." });
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (error.code === "READ_ONLY_MODE") notifyReadOnlyRefusal();
    throw error;
  }
  return response;
}

const readOnlyListeners = new Set<() => void>();

/**
 * Calls `listener` whenever any call through this module is refused with 503 `READ_ONLY_MODE` (the
 * `ops-read-only-mode` flag, issue 9), so the read-only banner can appear at once rather than at its next poll.
 * Returns the function that stops listening.
 */
export function onReadOnlyRefusal(listener: () => void): () => void {
  readOnlyListeners.add(listener);
  return () => {
    readOnlyListeners.delete(listener);
  };
}

function notifyReadOnlyRefusal() {
  for (const listener of readOnlyListeners) listener();
}

async function toApiError(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get("retry-after"));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      const problem: unknown = await response.json();
      if (isRecord(problem)) {
        return new ApiError({
          status: response.status,
          title: typeof problem.title === "string" ? problem.title : `Request failed (${response.status})`,
          detail: typeof problem.detail === "string" ? problem.detail : undefined,
          code: typeof problem.code === "string" ? problem.code : undefined,
          requestId: typeof problem.requestId === "string" ? problem.requestId : undefined,
          traceId: typeof problem.traceId === "string" ? problem.traceId : undefined,
          errors: Array.isArray(problem.errors) ? problem.errors.filter(isFieldError) : undefined,
          retryAfterSeconds,
        });
      }
    } catch {
      // Not JSON after all: fall through to the generic error below.
    }
  }
  return new ApiError({
    status: response.status,
    title: `Request failed (${response.status} ${response.statusText})`.replace(/ \)$/, ")"),
    retryAfterSeconds,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFieldError(value: unknown): value is FieldErrorJson {
  return isRecord(value) && Array.isArray(value.path) && typeof value.message === "string";
}

/** What to tell a person about any error thrown by {@link api} (or anything else). */
export function describeError(error: unknown): { title: string; detail?: string } {
  if (error instanceof ApiError) {
    return error.detail && error.detail !== error.title ? { title: error.title, detail: error.detail } : { title: error.title };
  }
  return { title: "Something went wrong", detail: error instanceof Error ? error.message : undefined };
}

/** How long a console page keeps retrying a read while the database is unavailable (issue 17): about a minute. */
const OUTAGE_RETRIES = 12;

/**
 * React Query's `retry` for every read in the console: once for anything (a network blip), but while the server
 * says the database is unavailable (503 DATABASE_UNAVAILABLE, circuit breaker open) keep trying for about a
 * minute, so a short outage heals by itself on the page; a 4xx is never retried (asking again changes nothing).
 */
export function shouldRetryRead(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.code === "DATABASE_UNAVAILABLE") return failureCount < OUTAGE_RETRIES;
  if (error instanceof ApiError && error.status < 500) return false;
  return failureCount < 1;
}

/** React Query's `retryDelay`: the server's Retry-After when it sent one, else its default backoff (1 s doubling). */
export function readRetryDelay(failureCount: number, error: unknown): number {
  if (error instanceof ApiError && error.retryAfterSeconds !== undefined) return error.retryAfterSeconds * 1000;
  return Math.min(1000 * 2 ** failureCount, 30_000);
}
