import type { DomainEvent } from "../domain/events";

/**
 * Where the relay hands domain events (issue 20): a broker (NATS JetStream), webhooks, later Kafka. Delivery is
 * at least once: after a failure the relay sends the whole batch again, so a consumer may see an event twice and
 * drops the second by its id (or its subject's sequence).
 */
export interface EventPublisher {
  /** For logs and metrics: `nats`, `webhooks`, ... */
  readonly name: string;
  /**
   * Hands the events over in the order given, and resolves once every one is accepted (a broker has stored it).
   * Rejects as soon as one is not; those before it may have been accepted, none of its subject after it has been
   * (a subject's events must never overtake each other; later events of other subjects may have been, and are
   * sent again with the batch). Rejects with the signal's reason when it aborts.
   */
  publish(events: readonly DomainEvent[], signal: AbortSignal): Promise<void>;
  /** Releases connections; called once, after the relay stopped. */
  close(): Promise<void>;
}
