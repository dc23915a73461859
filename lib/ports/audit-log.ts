import type { AuditEntry, AuditQuery, NewAuditEntry } from "../domain/audit";

/**
 * Append-only record of changes, written in the same unit of work as the change it describes. Entries are never
 * updated or deleted (on PostgreSQL a trigger refuses it, whoever asks).
 */
export interface AuditLog {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Appends several entries in one statement (an import's batch of created users: one entry per user). */
  appendMany(entries: readonly NewAuditEntry[]): Promise<void>;
  /**
   * One page of entries matching the query, newest first (ties broken by id).
   * @throws InvalidCursorError when the cursor was not issued by this listing.
   */
  list(query: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }>;
}
