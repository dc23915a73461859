import type { DomainEvent } from "../../domain/events";
import type { EventPublisher } from "../../ports/event-publisher";

/**
 * A publisher that keeps what it is given, for tests: every `publish` call in `batches`, the events in
 * `received` (duplicates and all, as a consumer would see them). `failNext(n)` makes the next n calls reject
 * after accepting the first half of their batch, as a broker that failed mid-batch would.
 */
export interface InMemoryEventPublisher extends EventPublisher {
  readonly received: DomainEvent[];
  readonly batches: number;
  failNext(calls: number): void;
  /** Resolves once `received` holds at least `count` events. */
  receivedAtLeast(count: number): Promise<void>;
}

export function createInMemoryEventPublisher(name = "memory"): InMemoryEventPublisher {
  const received: DomainEvent[] = [];
  let batches = 0;
  let failing = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const settle = () => {
    for (const waiter of [...waiters]) {
      if (received.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  return {
    name,
    received,
    get batches() {
      return batches;
    },
    async publish(events, signal) {
      signal.throwIfAborted();
      batches++;
      if (failing > 0) {
        failing--;
        received.push(...events.slice(0, Math.floor(events.length / 2)));
        settle();
        throw new Error(`${name}: refused (failNext)`);
      }
      received.push(...events);
      settle();
    },
    failNext(calls) {
      failing = calls;
    },
    receivedAtLeast(count) {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {},
  };
}
