/**
 * The outbox relay publishing to NATS JetStream (issue 20, item 4), against a real `nats-server -js` (Debian's, one
 * per file) and PostgreSQL: every event of a burst of changes stored once and consumed in per-subject order across
 * a relay that dies between publishing a batch and marking it delivered; the app, wired with NATS_URL, starting
 * while NATS is down and delivering once it is back; and the publisher's own promises (stream created, refusals,
 * order after a refused message, abort).
 */
import { randomUUID } from "node:crypto";

import { jetstream, jetstreamManager, StorageType, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres";
import { startNatsServer, type NatsServer } from "../../../test/support/nats-server";
import { createDatabaseTestApp } from "../../composition-root";
import { loadConfig } from "../../config";
import type { Principal } from "../../domain/auth";
import { SYSTEM_ACTOR } from "../../domain/auth";
import type { DomainEvent, EventMessage } from "../../domain/events";
import type { EventPublisher } from "../../ports/event-publisher";
import type { AppMetrics } from "../prometheus/metrics";
import { makeEventRelay, type EventRelay } from "../../use-cases/relay-events";
import { createPgAdvisoryLeadership } from "../pg/pg-advisory-leadership";
import { createLogger } from "../pino/logger";
import { createNatsJetStreamPublisher, DUPLICATE_WINDOW_MS } from "./nats-jetstream-publisher";

const STREAM = "user-console";
const silent = createLogger({ LOG_LEVEL: "silent" });
const principal: Principal = { kind: "token", tokenId: "00000000-0000-4000-8000-000000000000", name: "nats test", role: "ADMIN" };
const context = { principal, requestId: null, traceId: null };

let nats: NatsServer;
let database: TestDatabase;
/** The test's own client: a consumer, and the stream's administrator. */
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  [nats, database] = await Promise.all([startNatsServer(), createTestDatabase("nats_events")]);
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await Promise.all([nats?.stop(), database?.drop()]);
});
beforeEach(async () => {
  // Each test starts without the stream and with an empty outbox (what a test left undelivered would be sent).
  await jsm.streams.delete(STREAM).catch(() => undefined);
});

/** Every message the stream holds, in stream order, as a consumer reads them. */
async function consumeAll(stream = STREAM): Promise<{ seq: number; subject: string; msgId: string | undefined; body: EventMessage }[]> {
  const total = (await jsm.streams.info(stream)).state.messages;
  const consumer = await jetstream(nc).consumers.get(stream);
  const read: { seq: number; subject: string; msgId: string | undefined; body: EventMessage }[] = [];
  while (read.length < total) {
    const batch = await consumer.fetch({ max_messages: total - read.length, expires: 2_000 });
    for await (const message of batch) {
      read.push({ seq: message.seq, subject: message.subject, msgId: message.headers?.get("Nats-Msg-Id"), body: message.json<EventMessage>() });
    }
  }
  return read;
}

/** Fails unless each subject's events come 1, 2, 3, ... with no gap and no repeat. */
function expectPerSubjectOrder(bodies: readonly EventMessage[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const body of bodies) {
    const key = `${body.subject.type}:${body.subject.id}`;
    expect(body.sequence, `${key} #${body.sequence}`).toBe((last.get(key) ?? 0) + 1);
    last.set(key, body.sequence);
  }
  return last;
}

/**
 * A relay process that dies between publishing a batch and marking it delivered: the batch that takes the count
 * of published events to `crashAt` or more is handed to NATS (and acknowledged), then the relay hangs until it is
 * stopped, as a killed process would never mark it.
 */
function crashingAfterPublish(publisher: EventPublisher, crashAt: number) {
  let published = 0;
  let crash: () => void = () => undefined;
  const crashed = new Promise<void>((resolve) => (crash = resolve));
  const wrapped: EventPublisher = {
    name: publisher.name,
    async publish(events, signal) {
      await publisher.publish(events, signal);
      published += events.length;
      if (published < crashAt) return;
      crash();
      await new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
    },
    close: () => publisher.close(),
  };
  return { publisher: wrapped, crashed };
}

/** Counts the events handed to a publisher (copies included). */
function counting(publisher: EventPublisher) {
  const counter = { events: 0 };
  const wrapped: EventPublisher = {
    name: publisher.name,
    async publish(events, signal) {
      counter.events += events.length;
      await publisher.publish(events, signal);
    },
    close: () => publisher.close(),
  };
  return { publisher: wrapped, counter };
}

describe("events on NATS JetStream", () => {
  it("a burst of 1,000 changes: stored once each and consumed in per-subject order, across a relay that dies after publishing a batch", async () => {
    const { app, unitOfWork } = await createDatabaseTestApp(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent" }), { log: silent });
    const relays: EventRelay[] = [];
    const publishers: EventPublisher[] = [];
    try {
      // What start-up put in the outbox (the declared flags), published along with the burst.
      const atStart = (await unitOfWork.run(({ events }) => events.backlog())).rows;
      const relayWith = (publisher: EventPublisher) => {
        const relay = makeEventRelay({
          unitOfWork,
          leadership: createPgAdvisoryLeadership({ connectionString: database.url, log: silent, retryMs: 50 }),
          publisher,
          clock: { now: () => new Date() },
          log: silent,
          batchSize: 50,
          pollMs: 20,
          retentionMs: 3_600_000,
          backoff: { initialMs: 100, maxMs: 1_000 },
        });
        relays.push(relay);
        relay.start();
        return relay;
      };
      const natsPublisher = () => {
        const publisher = createNatsJetStreamPublisher({ url: nats.url, stream: STREAM, log: silent });
        publishers.push(publisher);
        return counting(publisher);
      };
      const first = natsPublisher();
      const dying = crashingAfterPublish(first.publisher, 500);
      const firstRelay = relayWith(dying.publisher);

      // 1,000 changes, one event each, by two callers at once: each creates 50 users, four at a time, then disables
      // and enables them all 9 times with the bulk action (a transaction per 50 users, an audit entry and an event each).
      const USERS = 100;
      const ROUNDS = 9;
      const writers = [0, 1].map(async (half) => {
        const ids: string[] = [];
        for (let u = half; u < USERS; u += 8) {
          const created = await Promise.all(
            [0, 2, 4, 6]
              .filter((step) => u + step < USERS)
              .map((step) => app.createUser({ email: `burst${u + step}@nats.example`, name: `User ${u + step}`, role: "VIEWER", status: "ACTIVE" }, {}, context)),
          );
          ids.push(...created.map(({ user }) => user.id));
        }
        for (let round = 0; round < ROUNDS; round++) {
          const result = await app.bulkUpdateUsers({ action: round % 2 === 0 ? "disable" : "enable" }, { ids }, context);
          expect(result.succeeded).toBe(ids.length);
        }
      });
      // About half-way: the first relay has published its 500th event and died before marking that batch; a new
      // one (a new process: its own NATS connection) takes over the lease and sends that batch again.
      await dying.crashed;
      await firstRelay.stop();
      await first.publisher.close();
      const second = natsPublisher();
      relayWith(second.publisher);
      await Promise.all(writers);

      const expected = atStart + USERS * (1 + ROUNDS);
      await expect.poll(async () => (await unitOfWork.run(({ events }) => events.backlog())).rows, { timeout: 30_000 }).toBe(0);
      // Sent more than once (the dead relay's last batch at least), stored exactly once: JetStream's Nats-Msg-Id window.
      expect(first.counter.events + second.counter.events).toBeGreaterThan(expected);
      const info = await jsm.streams.info(STREAM);
      expect(info.state.messages).toBe(expected);
      expect(info.config).toMatchObject({ subjects: ["user-console.>"], storage: StorageType.File, duplicate_window: DUPLICATE_WINDOW_MS * 1e6 });

      const messages = await consumeAll();
      expect(messages).toHaveLength(expected);
      expect(new Set(messages.map((m) => m.body.id)).size).toBe(expected);
      for (const message of messages) {
        expect(message.msgId).toBe(message.body.id);
        expect(message.subject).toBe(`user-console.${message.body.type}`);
      }
      const lastOfSubject = expectPerSubjectOrder(messages.map((m) => m.body));
      const users = [...lastOfSubject].filter(([key]) => key.startsWith("user:"));
      expect(users).toHaveLength(USERS);
      expect(users.every(([, sequence]) => sequence === 1 + ROUNDS)).toBe(true);
      expect(messages.filter((m) => m.body.type === "user.created")).toHaveLength(USERS);
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
      await Promise.all(publishers.map((publisher) => publisher.close()));
      await app.eventRelay.stop();
      await app.database.close();
    }
  });

  it("the app wired with NATS_URL starts while NATS is down, retries, and delivers everything once it is back", async () => {
    await nats.halt();
    const config = loadConfig({ DATABASE_URL: database.url, NATS_URL: nats.url, EVENTS_POLL_MS: "20", LOG_LEVEL: "silent" });
    // Start-up does not touch NATS: the broker is down and the app is built all the same.
    const { app, unitOfWork } = await createDatabaseTestApp(config, { log: silent });
    try {
      const failedBefore = await metric(app, "user_console_events_failed_total");
      app.eventRelay.start();
      const created = await Promise.all(
        Array.from({ length: 5 }, (_, i) => app.createUser({ email: `outage${i}@nats.example`, name: `Outage ${i}`, role: "VIEWER", status: "ACTIVE" }, {}, context)),
      );
      // Refused (connection refused), counted, and kept in the outbox while the relay backs off.
      await expect.poll(() => metric(app, "user_console_events_failed_total"), { timeout: 10_000 }).toBeGreaterThan(failedBefore);
      expect((await unitOfWork.run(({ events }) => events.backlog())).rows).toBeGreaterThanOrEqual(5);

      await nats.restart();
      await expect.poll(async () => (await unitOfWork.run(({ events }) => events.backlog())).rows, { timeout: 30_000 }).toBe(0);
      const messages = await consumeAll();
      const ids = new Set(created.map(({ user }) => user.id));
      const ours = messages.filter((m) => ids.has(m.body.subject.id));
      expect(ours.map((m) => [m.subject, m.body.sequence])).toEqual(created.map(() => ["user-console.user.created", 1]));
      expect(new Set(messages.map((m) => m.body.id)).size).toBe(messages.length);
    } finally {
      await app.eventRelay.stop();
      await app.database.close();
    }
  });
});

describe("the NATS JetStream publisher", () => {
  const signal = new AbortController().signal;
  let seq = 0;
  const event = (subjectId: string, payload: Record<string, unknown> = {}): DomainEvent => ({
    id: randomUUID(),
    type: "user.updated",
    subject: { type: "user", id: subjectId },
    sequence: ++seq,
    occurredAt: new Date(),
    actor: SYSTEM_ACTOR,
    requestId: null,
    traceId: null,
    payloadVersion: 1,
    payload,
  });
  const ids = async () => new Set((await consumeAll()).map((m) => m.body.id));

  it("after a refused message, sends no later event of its subject, and rejects", async () => {
    // A stream an operator made, with a message size limit: used as it is.
    await jsm.streams.add({ name: STREAM, subjects: ["user-console.>"], storage: StorageType.Memory, max_msg_size: 2_048 });
    const publisher = createNatsJetStreamPublisher({ url: nats.url, stream: STREAM, log: silent });
    try {
      const [a1, b1, a2, b2] = [event("a"), event("b", { big: "x".repeat(4_096) }), event("a"), event("b")];
      await expect(publisher.publish([a1!, b1!, a2!, b2!], signal)).rejects.toThrow(/size|maximum/i);
      const stored = await ids();
      expect(stored.has(a1!.id)).toBe(true);
      expect(stored.has(b1!.id)).toBe(false);
      // b's second event would overtake its first once that is fixed and sent again: never sent.
      expect(stored.has(b2!.id)).toBe(false);
    } finally {
      await publisher.close();
    }
  });

  it("refuses a stream that does not take user-console.>, naming it", async () => {
    await jsm.streams.add({ name: "elsewhere", subjects: ["elsewhere.>"], storage: StorageType.Memory });
    const publisher = createNatsJetStreamPublisher({ url: nats.url, stream: "elsewhere", log: silent });
    try {
      await expect(publisher.publish([event("c")], signal)).rejects.toThrow(/stream "elsewhere" exists but does not take the subjects user-console\.>/);
    } finally {
      await publisher.close();
      await jsm.streams.delete("elsewhere");
    }
  });

  it("rejects with the signal's reason and sends nothing once aborted", async () => {
    const publisher = createNatsJetStreamPublisher({ url: nats.url, stream: STREAM, log: silent });
    try {
      await publisher.publish([event("d")], signal);
      const stop = new AbortController();
      stop.abort(new Error("relay stopping"));
      const late = event("d");
      await expect(publisher.publish([late], stop.signal)).rejects.toThrow("relay stopping");
      expect((await ids()).has(late.id)).toBe(false);
    } finally {
      await publisher.close();
    }
  });
});

/** A counter's value, all label sets summed. */
async function metric(app: { metrics: AppMetrics }, name: string): Promise<number> {
  const values = (await app.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.reduce((sum, { value }) => sum + value, 0);
}
