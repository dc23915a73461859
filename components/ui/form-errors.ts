/**
 * Field errors for the console's forms, from either side: the client checks a form with the same zod schema the
 * API parses the body with (lib/api-contract), and maps the API's own answer (`problem.errors[].path`, and
 * codes that are about one field) onto the same fields, so both read alike under the inputs. One mapping for
 * every form (invite, create, edit), not one per form.
 */
import * as z from "zod/mini";

import { ApiError } from "@/components/data/api";

export type FieldErrors<F extends string> = Partial<Record<F, string>>;

export type Checked<T, F extends string> =
  | { ok: true; data: T }
  /** `form`: messages about the whole body (a refine without a path: "Send at least one of ..."). */
  | { ok: false; fields: FieldErrors<F>; form: string[] };

/**
 * `value` parsed with `schema`, or the first message per field among `fields` (the form's inputs). An issue about a
 * field the form does not have is reported with the form's messages, so nothing the schema says is lost.
 */
export function checkForm<S extends z.ZodMiniType, F extends string>(
  schema: S,
  value: unknown,
  fields: readonly F[],
): Checked<z.output<S>, F> {
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: FieldErrors<F> = {};
  const form: string[] = [];
  for (const issue of parsed.error.issues) {
    const field = fields.find((candidate) => candidate === issue.path[0]);
    if (field === undefined) form.push(issue.message);
    else errors[field] ??= issue.message;
  }
  return { ok: false, fields: errors, form };
}

/** Problem codes that are about one field, whatever the form: the field they are said under. */
const FIELD_OF_CODE: Readonly<Record<string, string>> = { USER_EMAIL_TAKEN: "email", WRONG_PASSWORD: "currentPassword" };

/**
 * Which zod-like field errors a failed request carries for `fields`: the API's `errors[]` (VALIDATION_FAILED) by
 * the first element of their path, and the codes about one field (a taken email, a wrong current password).
 */
export function serverFieldErrors<F extends string>(error: unknown, fields: readonly F[]): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  if (!(error instanceof ApiError)) return errors;
  const named = fields.find((field) => error.code !== undefined && field === FIELD_OF_CODE[error.code]);
  if (named !== undefined) errors[named] = error.detail ?? error.title;
  for (const fieldError of error.errors) {
    const field = fields.find((candidate) => candidate === fieldError.path[0]);
    if (field !== undefined) errors[field] ??= fieldError.message;
  }
  return errors;
}

export function hasFieldErrors<F extends string>(errors: FieldErrors<F>): boolean {
  return Object.values(errors).some((message) => message !== undefined);
}

/** `data`, when the form's own rules found nothing wrong with any field (`errors`); else those errors. */
export function checkFields<T, F extends string>(errors: FieldErrors<F>, data: T): Checked<T, F> {
  return hasFieldErrors(errors) ? { ok: false, fields: errors, form: [] } : { ok: true, data };
}
