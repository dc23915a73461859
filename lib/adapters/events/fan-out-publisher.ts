import type { EventPublisher } from "../../ports/event-publisher";

/**
 * Hands each batch to every publisher in turn, in order; fails when one fails (the relay sends the batch to all
 * of them again: at-least-once). With none, events are delivered to no one: they stay in the outbox for its
 * retention period and are then pruned, so the table stays bounded where no consumer is configured.
 */
export function fanOutPublisher(publishers: readonly EventPublisher[]): EventPublisher {
  return {
    name: publishers.map((p) => p.name).join("+") || "none",
    async publish(events, signal) {
      for (const publisher of publishers) await publisher.publish(events, signal);
    },
    async close() {
      await Promise.all(publishers.map((p) => p.close()));
    },
  };
}
