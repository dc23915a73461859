/**
 * Opaque page cursors: base64url JSON, checked against a schema when they come back. Server-side only: Node's
 * Buffer here would bring Buffer's polyfill into every page that imported it (the browser hands cursors back as
 * it got them and never reads one).
 */
import * as z from "./zod";

import { InvalidCursorError } from "./errors";

export function encodePageCursor(payload: object): string {
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

/**
 * The payload of a cursor {@link encodePageCursor} made.
 * @param refusal what the caller is told of any other string, e.g. "not a cursor of the audit log"
 * @throws InvalidCursorError when the cursor is not base64url JSON that `schema` accepts
 */
export function decodePageCursor<S extends z.ZodMiniType>(cursor: string, schema: S, refusal: string): z.infer<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError(refusal);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new InvalidCursorError(refusal);
  return result.data;
}

/** A position in a listing ordered by (creation time, id): the audit log, the imports. */
export interface CreatedAtPosition {
  createdAt: Date;
  id: string;
}

const createdAtPayload = z.strictObject({ t: z.iso.datetime(), id: z.uuid() });

export function encodeCreatedAtCursor(row: CreatedAtPosition): string {
  return encodePageCursor({ t: row.createdAt.toISOString(), id: row.id });
}

/** @throws InvalidCursorError with `refusal` when the cursor is not one {@link encodeCreatedAtCursor} made. */
export function decodeCreatedAtCursor(cursor: string, refusal: string): CreatedAtPosition {
  const { t, id } = decodePageCursor(cursor, createdAtPayload, refusal);
  return { createdAt: new Date(t), id };
}
