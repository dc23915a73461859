import type { AuditEntry, NewAuditEntry } from "../domain/audit";

/** Append-only record of changes to users; written in the same unit of work as the change it describes. */
export interface AuditLog {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries about one user, oldest first. */
  listForUser(userId: string): Promise<AuditEntry[]>;
}
