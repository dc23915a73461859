import type { AuditEntry, AuditQuery, NewAuditEntry } from "../../domain/audit";
import { decodeAuditCursor, encodeAuditCursor, isAfterAuditCursor } from "../../domain/audit-cursor";
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
    if (this.state.failAuditAppends) throw new Error("audit append refused (failAuditAppends)");
    // The column's limit, as the database enforces it (audit_entries.action varchar(64)).
    if (entry.action.length > 64) throw new Error(`audit action longer than 64 characters: ${entry.action}`);
    const stored: AuditEntry = {
      id: this.newId(),
      action: entry.action,
      actor: { ...entry.actor },
      target: { ...entry.target },
      // A JSON round trip, as the database does: dates become strings, undefined fields vanish.
      data: JSON.parse(JSON.stringify(entry.data ?? {})),
      requestId: entry.requestId ?? null,
      traceId: entry.traceId ?? null,
      createdAt: this.now(),
    };
    this.state.audit.push(stored);
    return stored;
  }

  async appendMany(entries: readonly NewAuditEntry[]): Promise<void> {
    for (const entry of entries) await this.append(entry);
  }

  async list(query: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    this.guard();
    const cursor = query.cursor === undefined ? null : decodeAuditCursor(query.cursor);
    const matching = this.state.audit
      .filter(
        (entry) =>
          (query.action === undefined || entry.action === query.action) &&
          (query.actor === undefined || entry.actor.id === query.actor || entry.actor.label === query.actor) &&
          (query.targetType === undefined || entry.target.type === query.targetType) &&
          (query.targetId === undefined || entry.target.id === query.targetId) &&
          (query.from === undefined || entry.createdAt >= query.from) &&
          (query.to === undefined || entry.createdAt < query.to) &&
          (cursor === null || isAfterAuditCursor(entry, cursor)),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const items = matching.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: matching.length > query.limit && last ? encodeAuditCursor(last) : null };
  }
}
