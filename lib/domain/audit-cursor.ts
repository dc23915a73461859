/**
 * The audit log's page cursor: opaque base64url JSON of the last entry's time and id. Apart from ./audit.ts, whose
 * constants the browser needs (through lib/api-contract): Node's Buffer here would bring Buffer's polyfill into
 * every page that shows an audit entry or a flag.
 */
import { z } from "zod";

import type { AuditEntry } from "./audit";
import { InvalidCursorError } from "./errors";

/** The position after which the next page starts: the last entry of the previous page. */
export interface AuditCursor {
  createdAt: Date;
  id: string;
}

export function encodeAuditCursor(entry: Pick<AuditEntry, "createdAt" | "id">): string {
  return Buffer.from(JSON.stringify({ t: entry.createdAt.toISOString(), id: entry.id })).toString("base64url");
}

/** @throws InvalidCursorError when the cursor is not one {@link encodeAuditCursor} made. */
export function decodeAuditCursor(cursor: string): AuditCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError("not a cursor of the audit log");
  }
  const result = auditCursorPayload.safeParse(parsed);
  if (!result.success) throw new InvalidCursorError("not a cursor of the audit log");
  return { createdAt: new Date(result.data.t), id: result.data.id };
}

const auditCursorPayload = z.strictObject({ t: z.iso.datetime(), id: z.uuid() });

/** Entries newer than the cursor come first: true when `entry` lies after the cursor in that order. */
export function isAfterAuditCursor(entry: Pick<AuditEntry, "createdAt" | "id">, cursor: AuditCursor): boolean {
  const t = entry.createdAt.getTime();
  const c = cursor.createdAt.getTime();
  return t < c || (t === c && entry.id < cursor.id);
}
