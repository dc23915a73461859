/**
 * The audit log's page cursor: the last entry's time and id (./page-cursor.ts). Apart from ./audit.ts, whose
 * constants the browser needs (through lib/api-contract).
 */
import type { AuditEntry } from "./audit";
import { decodeCreatedAtCursor, encodeCreatedAtCursor, type CreatedAtPosition } from "./page-cursor";

/** The position after which the next page starts: the last entry of the previous page. */
export type AuditCursor = CreatedAtPosition;

export function encodeAuditCursor(entry: Pick<AuditEntry, "createdAt" | "id">): string {
  return encodeCreatedAtCursor(entry);
}

/** @throws InvalidCursorError when the cursor is not one {@link encodeAuditCursor} made. */
export function decodeAuditCursor(cursor: string): AuditCursor {
  return decodeCreatedAtCursor(cursor, "not a cursor of the audit log");
}

/** Entries newer than the cursor come first: true when `entry` lies after the cursor in that order. */
export function isAfterAuditCursor(entry: Pick<AuditEntry, "createdAt" | "id">, cursor: AuditCursor): boolean {
  const t = entry.createdAt.getTime();
  const c = cursor.createdAt.getTime();
  return t < c || (t === c && entry.id < cursor.id);
}
