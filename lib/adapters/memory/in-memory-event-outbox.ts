import { EVENT_PAYLOAD_VERSION, type DomainEvent, type NewDomainEvent } from "../../domain/events";
import type { EventOutbox } from "../../ports/outbox";
import type { InMemoryState } from "./in-memory-database";

/** An event in the in-memory outbox: delivered or not. */
export interface StoredOutboxEvent {
  event: DomainEvent;
  deliveredAt: Date | null;
}

/**
 * The outbox in memory. Units of work run one at a time here (in-memory-database.ts), so appending in order is
 * committing in order: the array's order is the outbox order, and the per-subject counters need no lock.
 */
export class InMemoryEventOutbox implements EventOutbox {
  constructor(
    private readonly state: InMemoryState,
    private readonly now: () => Date,
    private readonly newId: () => string,
    /** Throws once the unit of work has been given up on. */
    private readonly guard: () => void,
  ) {}

  async append(events: readonly NewDomainEvent[]): Promise<DomainEvent[]> {
    this.guard();
    const occurredAt = this.now();
    return events.map((event) => {
      const key = `${event.subject.type}:${event.subject.id}`;
      const sequence = (this.state.outboxSequences.get(key) ?? 0) + 1;
      this.state.outboxSequences.set(key, sequence);
      const stored: DomainEvent = {
        id: this.newId(),
        type: event.type,
        subject: { ...event.subject },
        sequence,
        occurredAt,
        actor: { ...event.actor },
        requestId: event.requestId,
        traceId: event.traceId,
        payloadVersion: EVENT_PAYLOAD_VERSION,
        // A JSON round trip, as the database's jsonb column does.
        payload: JSON.parse(JSON.stringify(event.payload)),
      };
      this.state.outbox.push({ event: stored, deliveredAt: null });
      return stored;
    });
  }

  async pending(limit: number): Promise<DomainEvent[]> {
    this.guard();
    return this.state.outbox
      .filter((row) => row.deliveredAt === null)
      .slice(0, limit)
      .map((row) => row.event);
  }

  async markDelivered(ids: readonly string[], at: Date): Promise<number> {
    this.guard();
    const wanted = new Set(ids);
    let marked = 0;
    // Rows are replaced, not changed: the committed state's array shares them with this unit's copy.
    this.state.outbox = this.state.outbox.map((row) => {
      if (row.deliveredAt !== null || !wanted.has(row.event.id)) return row;
      marked++;
      return { ...row, deliveredAt: at };
    });
    return marked;
  }

  async prune(before: Date, limit: number): Promise<number> {
    this.guard();
    let pruned = 0;
    this.state.outbox = this.state.outbox.filter((row) => {
      const old = row.deliveredAt !== null && row.deliveredAt < before && pruned < limit;
      if (old) pruned++;
      return !old;
    });
    return pruned;
  }

  async backlog(): Promise<{ rows: number; oldestOccurredAt: Date | null }> {
    this.guard();
    const waiting = this.state.outbox.filter((row) => row.deliveredAt === null);
    return { rows: waiting.length, oldestOccurredAt: waiting[0]?.event.occurredAt ?? null };
  }
}
