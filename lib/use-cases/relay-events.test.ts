import { afterEach, describe, expect, it } from "vitest";

import { createInMemoryDatabase } from "../adapters/memory/in-memory-database";
import { createInMemoryEventPublisher } from "../adapters/memory/in-memory-event-publisher";
import { singleProcessLeadership } from "../adapters/events/single-process-leadership";
import { createInMemoryApp } from "../composition-root";
import { SYSTEM_ACTOR } from "../domain/auth";
import type { DomainEvent, NewDomainEvent } from "../domain/events";
import type { RelayLeadership } from "../ports/outbox";
import type { UnitOfWork } from "../ports/unit-of-work";
import { createLogger } from "../adapters/pino/logger";
import { makeEventRelay, type EventRelay, type RelayObserver } from "./relay-events";

const silent = createLogger({ LOG_LEVEL: "silent" });
const running: EventRelay[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((relay) => relay.stop()));
});

const subjects = ["0190a000-0000-7000-8000-00000000000a", "0190a000-0000-7000-8000-00000000000b", "0190a000-0000-7000-8000-00000000000c"];
/** `count` events spread over three users, one unit of work each. */
async function commitEvents(unitOfWork: UnitOfWork, count: number) {
  for (let i = 0; i < count; i++) {
    const event: NewDomainEvent = {
      type: "user.updated",
      subject: { type: "user", id: subjects[i % subjects.length] ?? "" },
      actor: SYSTEM_ACTOR,
      requestId: null,
      traceId: null,
      payload: { i },
    };
    await unitOfWork.run(({ events }) => events.append([event]));
  }
}

/** Every event, once, in per-subject order: a consumer's view after dropping what it saw before. */
function firstDeliveries(received: readonly DomainEvent[]): DomainEvent[] {
  const seen = new Set<string>();
  return received.filter((event) => !seen.has(event.id) && seen.add(event.id));
}
function assertPerSubjectOrder(events: readonly DomainEvent[]) {
  const last = new Map<string, number>();
  for (const event of events) {
    expect(event.sequence, `${event.subject.id} #${event.sequence}`).toBe((last.get(event.subject.id) ?? 0) + 1);
    last.set(event.subject.id, event.sequence);
  }
}

function counting(): RelayObserver & { counts: { delivered: number; failed: number }; leadingNow: boolean } {
  const counts = { delivered: 0, failed: 0 };
  return {
    counts,
    leadingNow: false,
    leading(leading) {
      this.leadingNow = leading;
    },
    lag: () => undefined,
    delivered: (count) => void (counts.delivered += count),
    failed: (count) => void (counts.failed += count),
  };
}

describe("the event relay", () => {
  it("sends a batch the publisher refused again, whole, after a backoff: every event arrives, in per-subject order", async () => {
    const db = createInMemoryDatabase();
    await commitEvents(db.unitOfWork, 30);
    const publisher = createInMemoryEventPublisher();
    // Each refused call takes half its batch first, as a broker that failed mid-batch would.
    publisher.failNext(3);
    const observer = counting();
    const relay = makeEventRelay({
      unitOfWork: db.unitOfWork,
      leadership: singleProcessLeadership(),
      publisher,
      clock: { now: () => new Date() },
      log: silent,
      observer,
      batchSize: 10,
      retentionMs: 3_600_000,
      backoff: { initialMs: 1, maxMs: 4 },
    });
    running.push(relay);
    relay.start();
    await publisher.receivedAtLeast(15 + 30);
    await expect.poll(() => observer.counts.delivered).toBe(30);
    const events = firstDeliveries(publisher.received);
    expect(events).toHaveLength(30);
    assertPerSubjectOrder(events);
    // The refused batches' first halves arrived twice: at least once, never reordered.
    expect(publisher.received.length).toBe(30 + 15);
    expect(observer.counts.failed).toBe(30);
    expect(publisher.batches).toBe(6);
    expect(observer.leadingNow).toBe(true);
    await relay.stop();
    expect(observer.leadingNow).toBe(false);
    expect(relay.leading()).toBe(false);
  });

  it("waits out a database outage behind the circuit breaker, leading throughout, and relays again once it is over", async () => {
    const publisher = createInMemoryEventPublisher();
    const { app, unitOfWork, setDatabaseUnreachable } = await createInMemoryApp({
      log: silent,
      eventPublisher: publisher,
      config: { DB_BREAKER_FAILURES: 1, DB_BREAKER_HALF_OPEN_MS: 20, EVENTS_POLL_MS: 10 },
    });
    running.push(app.eventRelay as EventRelay);
    const atStart = (await unitOfWork.run(({ events }) => events.backlog())).rows;
    app.eventRelay.start();
    await publisher.receivedAtLeast(atStart);
    setDatabaseUnreachable(true);
    // The relay's polls now fail and open the breaker, which then refuses them at once (DATABASE_UNAVAILABLE).
    await expect.poll(() => app.databaseBreaker.state()).toBe("open");
    expect(app.eventRelay.leading()).toBe(true);
    setDatabaseUnreachable(false);
    // The breaker's own probe finds the database again (within a second of the half-open delay).
    await expect.poll(() => app.databaseBreaker.state(), { timeout: 5_000 }).toBe("closed");
    await commitEvents(unitOfWork, 6);
    await publisher.receivedAtLeast(atStart + 6);
    const events = firstDeliveries(publisher.received).filter((event) => event.subject.type === "user");
    expect(events).toHaveLength(6);
    assertPerSubjectOrder(events);
    await app.eventRelay.stop();
    await app.database.close();
  });

  it("stops publishing the moment its lease is lost, and gives the batch to whoever leads next", async () => {
    const db = createInMemoryDatabase();
    await commitEvents(db.unitOfWork, 3);
    // A lease that the test takes away, as a dropped lock connection would.
    const leases: AbortController[] = [];
    const leadership: RelayLeadership = {
      async acquire(signal) {
        signal.throwIfAborted();
        const lost = new AbortController();
        leases.push(lost);
        return { lost: lost.signal, release: async () => undefined };
      },
    };
    const received: DomainEvent[] = [];
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const relay = makeEventRelay({
      unitOfWork: db.unitOfWork,
      leadership,
      publisher: {
        name: "stuck-once",
        async publish(events, signal) {
          // The first batch hangs until its lease is lost (a broker that stopped answering).
          if (calls++ === 0) {
            await new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
          }
          received.push(...events);
          release();
        },
        close: async () => undefined,
      },
      clock: { now: () => new Date() },
      log: silent,
      retentionMs: 3_600_000,
      backoff: { initialMs: 1, maxMs: 4 },
    });
    running.push(relay);
    relay.start();
    await expect.poll(() => calls).toBe(1);
    leases[0]?.abort(new Error("lock connection dropped"));
    await stuck;
    expect(leases.length).toBe(2);
    assertPerSubjectOrder(received);
    expect(received).toHaveLength(3);
  });
});
