/** The one error opening the database ends in when the operator can fix it (open-database.ts), and its helpers. */
import { NamedError } from "../../domain/errors";

/** A failure to open the database that the operator can fix; the message is one line saying how. */
export class DatabaseOpenError extends NamedError {
  readonly code = "DATABASE_OPEN_FAILED";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, name: "DatabaseOpenError" });
  }
}

/** The `code` of a system or driver error (ENOENT, ECONNREFUSED, 28P01), if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

export function hasCode(error: unknown, code: string): boolean {
  return errorCode(error) === code;
}

/** An error's text fit for a one-line message. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
