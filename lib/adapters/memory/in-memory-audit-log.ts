import type { AuditEntry, NewAuditEntry } from "../../domain/audit";
import type { AuditLog } from "../../ports/audit-log";
import type { InMemoryState } from "./in-memory-database";

export class InMemoryAuditLog implements AuditLog {
  constructor(
    private readonly state: InMemoryState,
    private readonly now: () => Date,
    private readonly newId: () => string,
    /** Throws once the unit of work has been given up on. */
    private readonly guard: () => void,
  ) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    this.guard();
    // The audit table references users (ON DELETE CASCADE): an entry about no user is refused there too.
    if (!this.state.users.has(entry.userId)) {
      throw new Error(`Cannot audit user ${entry.userId}: no such user`);
    }
    const stored: AuditEntry = {
      id: this.newId(),
      userId: entry.userId,
      action: entry.action,
      actor: entry.actor,
      data: structuredClone(entry.data ?? {}),
      createdAt: this.now(),
    };
    this.state.audit.push(stored);
    return stored;
  }

  async listForUser(userId: string): Promise<AuditEntry[]> {
    this.guard();
    return this.state.audit.filter((entry) => entry.userId === userId);
  }
}
