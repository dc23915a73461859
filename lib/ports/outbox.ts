import type { DomainEvent, NewDomainEvent } from "../domain/events";

/**
 * The transactional outbox (issue 20): domain events written in the unit of work of the change they announce
 * (`Repositories.events`), so they commit or roll back with it, and read back by the relay, which hands them to
 * the publishers and marks them delivered (docs/decisions/016-events-outbox.md).
 */
export interface EventOutbox {
  /**
   * Appends events in this unit, in the order given, and returns them with their id (UUIDv7), time and
   * sequence. A subject's sequence is taken under a lock held until the unit ends, so two units raising events
   * about one subject number them in the order they commit, and the second waits for the first.
   */
  append(events: readonly NewDomainEvent[]): Promise<DomainEvent[]>;
  /**
   * Up to `limit` undelivered events, in outbox order: a subject's events always come in their sequence's order,
   * and an event is never listed before a committed event of its subject that is still undelivered.
   */
  pending(limit: number): Promise<DomainEvent[]>;
  /** Marks the events delivered (ids not in the outbox, or already delivered, are ignored); returns how many it marked. */
  markDelivered(ids: readonly string[], at: Date): Promise<number>;
  /** Deletes up to `limit` events delivered before `before` (never an undelivered one); returns how many. */
  prune(before: Date, limit: number): Promise<number>;
  /** What waits for delivery: how many events, and when the oldest of them occurred (null: none). */
  backlog(): Promise<{ rows: number; oldestOccurredAt: Date | null }>;
}

/**
 * At most one relay at a time across all replicas (issue 20: per-subject order on every replica). Held by one
 * process until it gives the lease back or dies; then another takes it over.
 */
export interface RelayLeadership {
  /**
   * Resolves once this process holds the lease, trying again as long as it takes (another holder, a database
   * outage); rejects with the signal's reason when `signal` aborts first.
   */
  acquire(signal: AbortSignal): Promise<RelayLease>;
}

export interface RelayLease {
  /** Aborts when the lease is lost (its connection dropped, its heartbeat failed): stop relaying at once. */
  readonly lost: AbortSignal;
  /** Gives the lease back; safe to call twice, and after it was lost. */
  release(): Promise<void>;
}
