import { v7 as uuidv7 } from "uuid";

import type { Actor } from "../../domain/auth";
import { EVENT_PAYLOAD_VERSION, EVENT_SUBJECT_TYPES, EVENT_TYPES, type DomainEvent, type EventSubject, type NewDomainEvent } from "../../domain/events";
import type { EventOutbox } from "../../ports/outbox";
import { DOMAIN_EVENTS_CHANNEL, encodeLiveChanges } from "../pg/live-change-messages";
import { Prisma } from "./generated/client.ts";

interface OutboxRow {
  id: string;
  type: string;
  subject_type: string;
  subject_id: string;
  sequence: number;
  actor_type: string;
  actor_id: string | null;
  actor: string;
  request_id: string | null;
  trace_id: string | null;
  payload_version: number;
  payload: unknown;
  occurred_at: Date;
}

/**
 * Events per statement when appending: 12 parameters each, plus 3 per subject, well under PostgreSQL's 65,535 per
 * statement. The units of work append one or two events; an import's batch, 500 by default.
 */
const APPEND_CHUNK = 1_000;

/**
 * The outbox on PostgreSQL (and PGlite), in plain SQL: a unit's events are appended in one statement (per thousand
 * events).
 */
export class PrismaEventOutbox implements EventOutbox {
  constructor(
    private readonly tx: Prisma.TransactionClient,
    /** Throws once the unit of work has been given up on, so no further query is sent. */
    private readonly guard: () => void,
  ) {}

  async append(events: readonly NewDomainEvent[]): Promise<DomainEvent[]> {
    this.guard();
    if (events.length > APPEND_CHUNK) {
      // Several statements: each would lock its own subjects in its own order, and two units appending about the
      // same subjects could then deadlock. All of them are locked first, in one order.
      const subjects = [...new Map(events.map((event) => [subjectKey(event.subject), event.subject])).entries()].sort(byKey);
      for (let start = 0; start < subjects.length; start += APPEND_CHUNK) {
        const rows = subjects.slice(start, start + APPEND_CHUNK).map(([, subject]) => Prisma.sql`(${subject.type}::text, ${subject.id}::text, 0)`);
        await this.tx.$executeRaw`
          INSERT INTO outbox_subjects (subject_type, subject_id, last_sequence) VALUES ${Prisma.join(rows)}
          ON CONFLICT (subject_type, subject_id) DO UPDATE SET last_sequence = outbox_subjects.last_sequence`;
        this.guard();
      }
    }
    const appended: DomainEvent[] = [];
    for (let start = 0; start < events.length; start += APPEND_CHUNK) {
      if (start > 0) this.guard();
      const chunk = events.slice(start, start + APPEND_CHUNK);
      // The live console's announcement goes with the last chunk, for all of them (pg/live-change-messages.ts).
      const last = start + APPEND_CHUNK >= events.length;
      appended.push(...(await this.appendChunk(chunk, last ? encodeLiveChanges(events) : null)));
    }
    return appended;
  }

  /**
   * One statement, in three parts:
   * 1. `taken`: each subject's next numbers, taken in one upsert that locks the subject's row until this unit ends:
   *    a second unit raising events about the subject waits here, so numbers follow commit order. Subjects are
   *    locked in one order (sorted here), so two units locking the same ones cannot deadlock on them.
   * 2. `inserted`: the events, numbered from what `taken` returned (the k-th of a subject's c events gets
   *    last_sequence - c + k) and positioned (bigserial) in the order given. No row reaches the insert before
   *    `taken` has run in full (a data-modifying CTE is read whole by the join, and the sort by `n` needs all its
   *    rows), so every subject's lock is held before the first position is drawn: a subject's positions follow its
   *    commit order too.
   * 3. `announced`: the NOTIFY to the live console's listeners on every replica (issue 21), delivered once the unit
   *    commits, in commit order.
   * VALUES lists with typed parameters rather than arrays through unnest(): PostgreSQL plans and reads them at
   * about half the cost (measured for the usual unit, one or two events; issue 20's bench).
   */
  private async appendChunk(events: readonly NewDomainEvent[], announcement: string | null): Promise<DomainEvent[]> {
    if (events.length === 0) return [];
    const counts = new Map<string, { subject: EventSubject; count: number }>();
    const rows = events.map((event, n) => {
      const key = subjectKey(event.subject);
      const entry = counts.get(key) ?? { subject: event.subject, count: 0 };
      entry.count++;
      counts.set(key, entry);
      return { event, n, entry, id: uuidv7(), index: entry.count };
    });
    const subjects = [...counts.entries()].sort(byKey).map(([, entry]) => entry);
    const taken = Prisma.join(subjects.map(({ subject, count }) => Prisma.sql`(${subject.type}::text, ${subject.id}::text, ${count}::int)`));
    const values = Prisma.join(
      rows.map(({ event, n, entry, id, index }) => {
        // Counted once every row is: the subject's events after this one in the unit.
        const fromEnd = entry.count - index;
        return Prisma.sql`(${n}::int, ${id}::uuid, ${event.type}::text, ${event.subject.type}::text, ${event.subject.id}::text, ${fromEnd}::int,
          ${event.actor.type}::text, ${event.actor.id}::uuid, ${event.actor.label.slice(0, 320)}::text, ${event.requestId}::text,
          ${event.traceId}::text, ${JSON.stringify(event.payload)}::jsonb)`;
      }),
    );
    const announced = announcement === null ? Prisma.sql`SELECT 1` : Prisma.sql`SELECT pg_notify(${DOMAIN_EVENTS_CHANNEL}, ${announcement})`;
    const inserted = await this.tx.$queryRaw<{ id: string; sequence: number; occurred_at: Date }[]>`
      WITH taken AS (
        INSERT INTO outbox_subjects (subject_type, subject_id, last_sequence) VALUES ${taken}
        ON CONFLICT (subject_type, subject_id) DO UPDATE SET last_sequence = outbox_subjects.last_sequence + EXCLUDED.last_sequence
        RETURNING subject_type, subject_id, last_sequence),
      inserted AS (
        INSERT INTO outbox (id, type, subject_type, subject_id, sequence, actor_type, actor_id, actor, request_id, trace_id, payload_version, payload)
        SELECT e.id, e.type, e.subject_type, e.subject_id, t.last_sequence - e.from_end, e.actor_type, e.actor_id, e.actor, e.request_id,
               e.trace_id, ${EVENT_PAYLOAD_VERSION}::smallint, e.payload
        FROM (VALUES ${values}) AS e(n, id, type, subject_type, subject_id, from_end, actor_type, actor_id, actor, request_id, trace_id, payload)
        JOIN taken t ON t.subject_type = e.subject_type AND t.subject_id = e.subject_id
        ORDER BY e.n
        RETURNING id::text, sequence, occurred_at),
      announced AS (${announced})
      SELECT id, sequence, occurred_at FROM inserted CROSS JOIN announced`;
    const stored = new Map(inserted.map((row) => [row.id, row]));
    return rows.map(({ event, id }) => {
      const row = stored.get(id);
      if (row === undefined) throw new Error(`the outbox returned no row for event ${id} (${event.type} about ${subjectKey(event.subject)})`);
      return {
        id,
        type: event.type,
        subject: { ...event.subject },
        sequence: row.sequence,
        occurredAt: row.occurred_at,
        actor: { ...event.actor, label: event.actor.label.slice(0, 320) },
        requestId: event.requestId,
        traceId: event.traceId,
        payloadVersion: EVENT_PAYLOAD_VERSION,
        payload: JSON.parse(JSON.stringify(event.payload)),
      };
    });
  }

  async pending(limit: number): Promise<DomainEvent[]> {
    this.guard();
    const rows = await this.tx.$queryRaw<OutboxRow[]>`
      SELECT id::text, type, subject_type, subject_id, sequence, actor_type, actor_id::text, actor, request_id, trace_id,
             payload_version, payload, occurred_at
      FROM outbox WHERE delivered_at IS NULL ORDER BY position LIMIT ${limit}`;
    return rows.map(toDomainEvent);
  }

  async markDelivered(ids: readonly string[], at: Date): Promise<number> {
    this.guard();
    if (ids.length === 0) return 0;
    return this.tx.$executeRaw`
      UPDATE outbox SET delivered_at = ${at} WHERE id = ANY(${[...ids]}::uuid[]) AND delivered_at IS NULL`;
  }

  async prune(before: Date, limit: number): Promise<number> {
    this.guard();
    return this.tx.$executeRaw`
      DELETE FROM outbox WHERE position IN (
        SELECT position FROM outbox WHERE delivered_at < ${before} ORDER BY delivered_at LIMIT ${limit})`;
  }

  async backlog(): Promise<{ rows: number; oldestOccurredAt: Date | null }> {
    this.guard();
    const [row] = await this.tx.$queryRaw<{ rows: number; oldest: Date | null }[]>`
      SELECT count(*)::int AS rows, min(occurred_at) AS oldest FROM outbox WHERE delivered_at IS NULL`;
    return { rows: row?.rows ?? 0, oldestOccurredAt: row?.oldest ?? null };
  }
}

function subjectKey(subject: { type: string; id: string }): string {
  return `${subject.type}:${subject.id}`;
}

/** One order of subjects for every unit that locks them (code units, whatever the database's collation). */
function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const ACTOR_TYPES = ["user", "token", "system", "anonymous"] as const;

function toDomainEvent(row: OutboxRow): DomainEvent {
  const actor: Actor = { type: oneOf(ACTOR_TYPES, row.actor_type, "actor_type"), id: row.actor_id, label: row.actor };
  return {
    id: row.id,
    type: oneOf(EVENT_TYPES, row.type, "type"),
    subject: { type: oneOf(EVENT_SUBJECT_TYPES, row.subject_type, "subject_type"), id: row.subject_id },
    sequence: row.sequence,
    occurredAt: row.occurred_at,
    actor,
    requestId: row.request_id,
    traceId: row.trace_id,
    payloadVersion: row.payload_version,
    payload: isJsonObject(row.payload) ? row.payload : {},
  };
}

/** A text column's value as one of a closed set; an unknown one is a corrupt row, and fails loudly. */
export function oneOf<T extends string>(allowed: readonly T[], value: string, column: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new Error(`outbox.${column} holds an unknown value: ${value}`);
  return found;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
