/** Errors as the API answers them: `application/problem+json` (RFC 9457), and the closed set of codes they carry. */
import * as z from "../domain/zod";

import { ERROR_CODES } from "../domain/errors";

/** Codes of failures the HTTP layer finds itself, before any use case runs. */
export const HTTP_ERROR_CODES = [
  "VALIDATION_FAILED",
  "MALFORMED_JSON",
  "BODY_TOO_LARGE",
  "FILE_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "CSRF_REJECTED",
  "PRECONDITION_REQUIRED",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "INTERNAL",
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/** Every code a problem may carry: the domain's and the HTTP layer's (lib/http/problem.ts maps each to a status). */
export const PROBLEM_CODES = [...ERROR_CODES, ...HTTP_ERROR_CODES] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export const problemResponse = z
  .strictObject({
    type: z.string().check(z.meta({ description: "A URN per code", examples: ["urn:user-console:problem:user-not-found"] })),
    title: z.string(),
    status: z.int(),
    detail: z.optional(z.string()),
    code: z.enum(PROBLEM_CODES),
    requestId: z.string().check(z.meta({ description: "Quote it when reporting a problem; also in the X-Request-Id header" })),
    traceId: z.optional(z.string()),
    errors: z
      .optional(z.array(z.strictObject({ path: z.array(z.union([z.string(), z.int()])), message: z.string() })))
      .check(z.meta({ description: "One entry per invalid field (VALIDATION_FAILED)" })),
    part: z
      .optional(z.string())
      .check(z.meta({ description: "Which part of a composed answer failed (GET /users/{id}/overview)", examples: ["sessions"] })),
  })
  .check(z.meta({ id: "Problem", description: "An error, as RFC 9457 problem details" }));

export type ProblemJson = z.output<typeof problemResponse>;
/** One invalid field of a VALIDATION_FAILED problem: where (`path`) and what is wrong with it. */
export type FieldErrorJson = NonNullable<ProblemJson["errors"]>[number];
