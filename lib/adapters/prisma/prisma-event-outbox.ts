import { v7 as uuidv7 } from "uuid";

import type { Actor } from "../../domain/auth";
import { EVENT_PAYLOAD_VERSION, EVENT_SUBJECT_TYPES, EVENT_TYPES, type DomainEvent, type EventSubject, type NewDomainEvent } from "../../domain/events";
import type { EventOutbox } from "../../ports/outbox";
import { DOMAIN_EVENTS_CHANNEL, encodeLiveChanges } from "../pg/live-change-messages";
import type { Prisma } from "./generated/client.ts";

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
 * The outbox on PostgreSQL (and PGlite), in plain SQL over arrays: an import's batch appends a thousand events
 * in two statements.
 */
export class PrismaEventOutbox implements EventOutbox {
  constructor(
    private readonly tx: Prisma.TransactionClient,
    /** Throws once the unit of work has been given up on, so no further query is sent. */
    private readonly guard: () => void,
  ) {}

  async append(events: readonly NewDomainEvent[]): Promise<DomainEvent[]> {
    this.guard();
    if (events.length === 0) return [];
    // 1. Each subject's next numbers, taken in one upsert that locks the subject's row until this unit ends: a
    //    second unit raising events about the subject waits here, so numbers follow commit order. Subjects are
    //    locked in sorted order, so two units locking the same ones cannot deadlock on them.
    const counts = new Map<string, { subject: EventSubject; count: number }>();
    for (const event of events) {
      const key = subjectKey(event.subject);
      const entry = counts.get(key) ?? { subject: event.subject, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    const subjects = [...counts.values()];
    const taken = await this.tx.$queryRaw<{ subject_type: string; subject_id: string; last_sequence: number }[]>`
      INSERT INTO outbox_subjects (subject_type, subject_id, last_sequence)
      SELECT t, i, n FROM unnest(
        ${subjects.map((s) => s.subject.type)}::text[], ${subjects.map((s) => s.subject.id)}::text[],
        ${subjects.map((s) => s.count)}::int[]) AS s(t, i, n)
      ORDER BY t, i
      ON CONFLICT (subject_type, subject_id) DO UPDATE SET last_sequence = outbox_subjects.last_sequence + EXCLUDED.last_sequence
      RETURNING subject_type, subject_id, last_sequence`;
    const next = new Map<string, number>();
    for (const row of taken) {
      const key = subjectKey({ type: row.subject_type, id: row.subject_id });
      next.set(key, row.last_sequence - (counts.get(key)?.count ?? 0) + 1);
    }
    const numbered = events.map((event) => {
      const key = subjectKey(event.subject);
      const sequence = next.get(key);
      if (sequence === undefined) throw new Error(`outbox_subjects returned no sequence for ${key}`);
      next.set(key, sequence + 1);
      return { ...event, id: uuidv7(), sequence };
    });
    // 2. The events, positioned (bigserial) in the order given: after the lock above, so a subject's positions
    //    follow its commit order too.
    const column = <T>(pick: (event: (typeof numbered)[number]) => T) => numbered.map(pick);
    // In the same statement, the announcement to the live console's listeners on every replica (issue 21): a
    // NOTIFY, delivered once the unit commits, in commit order (pg/live-change-messages.ts).
    const inserted = await this.tx.$queryRaw<{ occurred_at: Date }[]>`
      WITH inserted AS (INSERT INTO outbox (id, type, subject_type, subject_id, sequence, actor_type, actor_id, actor, request_id, trace_id, payload_version, payload)
      SELECT id, type, subject_type, subject_id, sequence, actor_type, actor_id, actor, request_id, trace_id, ${EVENT_PAYLOAD_VERSION}::smallint, payload
      FROM unnest(
        ${column((e) => e.id)}::uuid[], ${column((e) => e.type)}::text[], ${column((e) => e.subject.type)}::text[],
        ${column((e) => e.subject.id)}::text[], ${column((e) => e.sequence)}::int[], ${column((e) => e.actor.type)}::text[],
        ${column((e) => e.actor.id)}::uuid[], ${column((e) => e.actor.label.slice(0, 320))}::text[],
        ${column((e) => e.requestId)}::text[], ${column((e) => e.traceId)}::text[], ${column((e) => JSON.stringify(e.payload))}::jsonb[]
      ) WITH ORDINALITY AS e(id, type, subject_type, subject_id, sequence, actor_type, actor_id, actor, request_id, trace_id, payload, n)
      ORDER BY n
      RETURNING occurred_at),
      announced AS (SELECT pg_notify(${DOMAIN_EVENTS_CHANNEL}, ${encodeLiveChanges(numbered)}))
      SELECT occurred_at FROM inserted CROSS JOIN announced`;
    // One transaction, one now(): every row has the same time.
    const occurredAt = inserted[0]?.occurred_at ?? new Date();
    return numbered.map((event) => ({
      id: event.id,
      type: event.type,
      subject: { ...event.subject },
      sequence: event.sequence,
      occurredAt,
      actor: { ...event.actor, label: event.actor.label.slice(0, 320) },
      requestId: event.requestId,
      traceId: event.traceId,
      payloadVersion: EVENT_PAYLOAD_VERSION,
      payload: JSON.parse(JSON.stringify(event.payload)),
    }));
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
