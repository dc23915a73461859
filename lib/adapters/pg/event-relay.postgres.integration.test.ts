/**
 * The outbox relay on a real PostgreSQL (issue 20): two relays, as two replicas would run them, share one
 * database. One leads through the advisory lock; when its lock connection dies (pg_terminate_backend: what the
 * server sees when a replica's process is killed), the other takes over, and every event is delivered, in
 * per-subject order, with delivered rows pruned.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres";
import { SYSTEM_ACTOR } from "../../domain/auth";
import type { DomainEvent, NewDomainEvent } from "../../domain/events";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { makeEventRelay, type EventRelay } from "../../use-cases/relay-events";
import { createInMemoryEventPublisher } from "../memory/in-memory-event-publisher";
import { createLogger } from "../pino/logger";
import { PrismaClient } from "../prisma/generated/client.ts";
import { createPrismaUnitOfWork } from "../prisma/prisma-unit-of-work";
import { createPgAdvisoryLeadership, RELAY_LOCK_KEY } from "./pg-advisory-leadership";
import { createPgReads } from "./pg-reads";

const silent = createLogger({ LOG_LEVEL: "silent" });
let database: TestDatabase;
let prisma: PrismaClient;
let pool: pg.Pool;
let cancelPool: pg.Pool;
let unitOfWork: UnitOfWork;

beforeAll(async () => {
  database = await createTestDatabase("event_relay");
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 6 }) });
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  cancelPool = new pg.Pool({ connectionString: database.url, max: 1 });
  unitOfWork = createPrismaUnitOfWork(prisma, { read: createPgReads(pool, cancelPool), transactionTimeoutMs: 30_000 });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await Promise.all([pool?.end(), cancelPool?.end()]);
  await database?.drop();
});

/** Ends the session holding the relay's lock, as the server sees a killed replica: the lock is freed. */
async function killLeaderConnection(): Promise<number> {
  const { rows } = await pool.query<{ killed: boolean }>(
    `SELECT pg_terminate_backend(pid) AS killed FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1::bigint`,
    [RELAY_LOCK_KEY.toString()],
  );
  return rows.filter((row) => row.killed).length;
}

const SUBJECTS = Array.from({ length: 5 }, (_, i) => `0190a000-0000-7000-8000-00000000000${i}`);

async function commit(from: number, count: number) {
  // Five writers at once, each on its own subjects' events, as concurrent requests would be.
  await Promise.all(
    SUBJECTS.map(async (id, writer) => {
      for (let i = from; i < from + count; i++) {
        if (i % SUBJECTS.length !== writer) continue;
        const event: NewDomainEvent = { type: "user.updated", subject: { type: "user", id }, actor: SYSTEM_ACTOR, requestId: null, traceId: null, payload: { i } };
        await unitOfWork.run(({ events }) => events.append([event]));
      }
    }),
  );
}

function firstDeliveries(received: readonly DomainEvent[]): DomainEvent[] {
  const seen = new Set<string>();
  return received.filter((event) => !seen.has(event.id) && seen.add(event.id));
}

describe("two event relays on one PostgreSQL", () => {
  it("one leads; when its lock connection dies the other takes over; every event arrives once per id, in per-subject order, and is pruned", async () => {
    // One publisher for both: the broker they share.
    const broker = createInMemoryEventPublisher("broker");
    const relay = () =>
      makeEventRelay({
        unitOfWork,
        leadership: createPgAdvisoryLeadership({ connectionString: database.url, log: silent, retryMs: 50, heartbeatMs: 200 }),
        publisher: broker,
        clock: { now: () => new Date() },
        log: silent,
        batchSize: 20,
        pollMs: 20,
        // Delivered rows go at the next prune, which runs on every pass.
        retentionMs: 0,
        pruneEveryMs: 0,
        // A relay that lost its lease waits this long before competing again: ample for the other's 50 ms retry.
        backoff: { initialMs: 2_000, maxMs: 2_000 },
      });
    const relays: EventRelay[] = [relay(), relay()];
    try {
      for (const r of relays) r.start();
      await expect.poll(() => relays.filter((r) => r.leading()).length).toBe(1);
      const first = relays.findIndex((r) => r.leading());

      await commit(0, 150);
      await broker.receivedAtLeast(50);
      expect(await killLeaderConnection()).toBe(1);
      // The old leader notices at once (its connection errors) and stands back; the other gets the freed lock
      // within its retry.
      await expect.poll(() => relays[1 - first]?.leading()).toBe(true);
      await commit(150, 150);

      await broker.receivedAtLeast(300);
      const events = firstDeliveries(broker.received);
      expect(events).toHaveLength(300);
      const last = new Map<string, number>();
      for (const event of events) {
        expect(event.sequence, `${event.subject.id} #${event.sequence}`).toBe((last.get(event.subject.id) ?? 0) + 1);
        last.set(event.subject.id, event.sequence);
      }
      expect([...last.values()]).toEqual([60, 60, 60, 60, 60]);
      // Marked delivered, then pruned: the outbox empties; the subjects keep their numbers.
      await expect
        .poll(async () => Number((await pool.query("SELECT count(*) AS n FROM outbox")).rows[0].n), { timeout: 10_000 })
        .toBe(0);
      expect(Number((await pool.query("SELECT sum(last_sequence) AS n FROM outbox_subjects")).rows[0].n)).toBe(300);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
    // Both gave the lease back: nobody holds the lock.
    const held = await pool.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1::bigint`, [RELAY_LOCK_KEY.toString()]);
    expect(held.rowCount).toBe(0);
  });
});
