import { toEventMessage, type DomainEvent } from "../../domain/events";
import type { WebhookMessage } from "../../domain/webhooks";
import type { Clock } from "../../ports/clock";
import type { EventPublisher } from "../../ports/event-publisher";
import type { UnitOfWork } from "../../ports/unit-of-work";

/**
 * The relay's `webhooks` publisher (issue 20, item 3): a batch of events becomes, in one unit of work, a pending
 * delivery per enabled endpoint that wants each event. The relay marks the events delivered once this commits; the
 * delivery worker then sends them (lib/use-cases/deliver-webhooks.ts), so a slow receiver never holds up the relay
 * or the other publishers. A batch sent again queues nothing twice (one delivery per endpoint and event).
 */
export function createWebhookPublisher(options: {
  unitOfWork: UnitOfWork;
  clock: Clock;
  /** Deliveries were queued: the worker looks at once rather than at its next poll. */
  queued: () => void;
}): EventPublisher {
  return {
    name: "webhooks",
    async publish(events, signal) {
      if (events.length === 0) return;
      const count = await options.unitOfWork.run(({ webhooks }) => webhooks.enqueue(events.map(toWebhookMessage), options.clock.now()), { signal });
      if (count > 0) options.queued();
    },
    async close() {},
  };
}

/** The body every endpoint gets for an event: its JSON as it leaves the process (lib/domain/events.ts). */
export function toWebhookMessage(event: DomainEvent): WebhookMessage {
  return {
    eventId: event.id,
    eventType: event.type,
    subject: { ...event.subject },
    sequence: event.sequence,
    body: JSON.stringify(toEventMessage(event)),
  };
}
