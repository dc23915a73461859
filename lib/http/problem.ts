/**
 * Errors as `application/problem+json` (RFC 9457): every error the API answers goes through here. Domain codes
 * map to a status in ONE table; a 500 never carries an internal message or stack, only the request id to quote.
 */
import { z } from "zod";

import { NamedError } from "../domain/errors";
import { PROBLEM_CODES, type FieldErrorJson, type HttpErrorCode, type ProblemCode, type ProblemJson } from "../api-contract/problem";
import { partOf } from "../use-cases/fan-out";

export type { ProblemCode };

const STATUS: Record<ProblemCode, number> = {
  USER_EMAIL_TAKEN: 409,
  USER_NOT_FOUND: 404,
  USER_VERSION_CONFLICT: 412,
  INVALID_CURSOR: 400,
  DEADLINE_EXCEEDED: 504,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  INVALID_CREDENTIALS: 401,
  TOO_MANY_ATTEMPTS: 429,
  TOO_MANY_CONCURRENT_REQUESTS: 429,
  ONE_TIME_PASSWORD_EXPIRED: 401,
  WRONG_PASSWORD: 422,
  LAST_ADMIN: 409,
  INVITATION_INVALID: 410,
  TOKEN_NOT_FOUND: 404,
  TOKEN_LIFETIME_TOO_LONG: 422,
  SESSION_NOT_FOUND: 404,
  IDEMPOTENCY_KEY_REUSED: 422,
  DATABASE_BUSY: 503,
  DATABASE_UNAVAILABLE: 503,
  BULK_LIMIT_EXCEEDED: 422,
  IMPORT_NOT_FOUND: 404,
  IMPORT_FILE_INVALID: 422,
  FLAG_NOT_FOUND: 404,
  FLAG_VERSION_CONFLICT: 412,
  FLAG_INVALID: 422,
  FLAGS_MANAGED_ELSEWHERE: 409,
  READ_ONLY_MODE: 503,
  FEATURE_OFF: 404,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  WEBHOOK_URL_REFUSED: 422,
  FILE_TOO_LARGE: 413,
  VALIDATION_FAILED: 422,
  MALFORMED_JSON: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CSRF_REJECTED: 403,
  PRECONDITION_REQUIRED: 428,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INTERNAL: 500,
};

const TITLE: Partial<Record<ProblemCode, string>> = {
  VALIDATION_FAILED: "The request is not valid",
  MALFORMED_JSON: "The request body is not valid JSON",
  BODY_TOO_LARGE: "The request body is larger than 1 MB",
  FILE_TOO_LARGE: "The file is larger than the import limit",
  UNSUPPORTED_MEDIA_TYPE: "Send the body as application/json",
  CSRF_REJECTED: "Cross-site request refused",
  PRECONDITION_REQUIRED: "Send If-Match with the ETag you last read",
  NOT_FOUND: "Not found",
  METHOD_NOT_ALLOWED: "Method not allowed",
  INTERNAL: "Something went wrong on our side",
};

/** A failure found by the HTTP layer (bad body, CSRF, ...): thrown inside the wrapper, answered as a problem. */
export class HttpProblem extends NamedError {
  constructor(
    readonly code: HttpErrorCode,
    detail: string,
    readonly errors?: FieldErrorJson[],
  ) {
    super(detail, { name: "HttpProblem" });
  }
}

export function statusOf(code: ProblemCode): number {
  return STATUS[code];
}

/**
 * The problem for any thrown value. Domain and HTTP errors keep their message (written for the caller); anything
 * else is an INTERNAL 500 whose message stays in the log, never in the body.
 *
 * Recognised by their `code`, not by class: the use cases run in the server bundle's copy of lib/ and this code
 * in Next's (docs/decisions/002-own-server.md), so `instanceof DomainError` is false for their errors.
 */
export function problemFor(error: unknown, ids: { requestId: string; traceId: string | null }): ProblemJson {
  const known = knownError(error);
  const code: ProblemCode = known?.code ?? "INTERNAL";
  const detail = known ? known.message : `Quote request id ${ids.requestId} when you report this.`;
  const status = STATUS[code];
  return {
    // A URN: stable and unique per code, and not pretending to be a page someone could open.
    type: `urn:user-console:problem:${code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLE[code] ?? detail,
    status,
    detail,
    code,
    requestId: ids.requestId,
    ...(ids.traceId ? { traceId: ids.traceId } : {}),
    ...(known?.errors ? { errors: known.errors } : {}),
    ...partField(error),
  };
}

/** `{ part }` when the error is marked as one part's failure (lib/use-cases/fan-out.ts `withPart`), else nothing. */
function partField(error: unknown): { part?: string } {
  const part = partOf(error);
  return part === undefined ? {} : { part };
}

const KNOWN_CODES: ReadonlySet<string> = new Set<string>(PROBLEM_CODES);

function isProblemCode(code: string): code is ProblemCode {
  return KNOWN_CODES.has(code) && code !== "INTERNAL";
}

/** A DomainError or HttpProblem from any copy of lib/: an Error whose `code` is one of ours. */
function knownError(error: unknown): { code: ProblemCode; message: string; errors?: FieldErrorJson[] } | null {
  if (!(error instanceof Error) || !("code" in error) || typeof error.code !== "string" || !isProblemCode(error.code)) {
    return null;
  }
  const errors = "errors" in error && Array.isArray(error.errors) ? fieldErrors.safeParse(error.errors) : undefined;
  return { code: error.code, message: error.message, ...(errors?.success ? { errors: errors.data } : {}) };
}

const fieldErrors = z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }));

export function problemResponse(problem: ProblemJson, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...headers },
  });
}
