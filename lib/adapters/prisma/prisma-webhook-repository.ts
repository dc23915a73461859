import { EVENT_SUBJECT_TYPES, EVENT_TYPES, type EventType } from "../../domain/events";
import {
  WEBHOOK_DELIVERY_STATUSES,
  type DueWebhookDelivery,
  type NewWebhookEndpoint,
  type WebhookAttemptRecord,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointChange,
  type WebhookMessage,
} from "../../domain/webhooks";
import type { WebhookRepository } from "../../ports/webhooks";
import { decodeDeliveryCursor, encodeDeliveryCursor } from "../webhooks/delivery-cursor";
import type { Prisma } from "./generated/client.ts";
import { oneOf } from "./prisma-event-outbox";

type EndpointRow = Prisma.WebhookEndpointGetPayload<object>;

interface DeliveryRow {
  position: bigint;
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  subject_type: string;
  subject_id: string;
  sequence: number;
  body: string;
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
  last_response_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

const DELIVERY_COLUMNS = `d.position, d.id::text, d.endpoint_id::text, d.event_id::text, d.event_type, d.subject_type, d.subject_id,
  d.sequence, d.body, d.status, d.attempts, d.next_attempt_at, d.last_response_code, d.last_latency_ms, d.last_error,
  d.created_at, d.delivered_at`;

/** Endpoints through Prisma's model API; the queue in plain SQL (one statement per batch, per head query). */
export class PrismaWebhookRepository implements WebhookRepository {
  constructor(
    private readonly tx: Prisma.TransactionClient,
    /** Throws once the unit of work has been given up on, so no further query is sent. */
    private readonly guard: () => void,
  ) {}

  async createEndpoint(endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    this.guard();
    const row = await this.tx.webhookEndpoint.create({
      data: {
        url: endpoint.url,
        description: endpoint.description,
        eventTypes: [...endpoint.eventTypes],
        secret: endpoint.secret,
        createdBy: endpoint.createdBy,
        createdAt: endpoint.createdAt,
        updatedAt: endpoint.createdAt,
      },
    });
    return toEndpoint(row);
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    this.guard();
    if (!isUuid(id)) return null;
    const row = await this.tx.webhookEndpoint.findUnique({ where: { id } });
    return row ? toEndpoint(row) : null;
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    this.guard();
    const rows = await this.tx.webhookEndpoint.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    return rows.map(toEndpoint);
  }

  async updateEndpoint(id: string, change: (current: WebhookEndpoint) => WebhookEndpointChange, at: Date): Promise<WebhookEndpoint | null> {
    this.guard();
    if (!isUuid(id)) return null;
    // Locked until the unit ends: two changes to one endpoint apply one after the other, neither lost.
    const locked = await this.tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM webhook_endpoints WHERE id = ${id}::uuid FOR UPDATE`;
    if (locked.length === 0) return null;
    const current = await this.tx.webhookEndpoint.findUnique({ where: { id } });
    if (!current) return null;
    const patch = change(toEndpoint(current));
    const row = await this.tx.webhookEndpoint.update({
      where: { id },
      data: {
        url: patch.url,
        description: patch.description,
        eventTypes: patch.eventTypes ? [...patch.eventTypes] : undefined,
        secret: patch.secret,
        enabled: patch.enabled,
        disabledReason: patch.disabledReason,
        disabledAt: patch.disabledAt,
        updatedAt: at,
        version: { increment: 1 },
      },
    });
    return toEndpoint(row);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    this.guard();
    if (!isUuid(id)) return false;
    const { count } = await this.tx.webhookEndpoint.deleteMany({ where: { id } });
    return count > 0;
  }

  async enqueue(messages: readonly WebhookMessage[], at: Date): Promise<number> {
    this.guard();
    if (messages.length === 0) return 0;
    const column = <T>(pick: (message: WebhookMessage) => T) => messages.map(pick);
    // Messages in the order given (ordinality), each to the enabled endpoints that want it, endpoints in a fixed
    // order: positions follow the events' order for every endpoint, which is what keeps its queue in event order.
    return this.tx.$executeRaw`
      INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, subject_type, subject_id, sequence, body, next_attempt_at, created_at)
      SELECT gen_random_uuid(), e.id, m.event_id, m.event_type, m.subject_type, m.subject_id, m.sequence, m.body, ${at}, ${at}
      FROM unnest(
        ${column((m) => m.eventId)}::uuid[], ${column((m) => m.eventType)}::text[], ${column((m) => m.subject.type)}::text[],
        ${column((m) => m.subject.id)}::text[], ${column((m) => m.sequence)}::int[], ${column((m) => m.body)}::text[]
      ) WITH ORDINALITY AS m(event_id, event_type, subject_type, subject_id, sequence, body, n)
      JOIN webhook_endpoints e ON e.enabled AND (cardinality(coalesce(e.event_types, '{}')) = 0 OR m.event_type = ANY(e.event_types))
      ORDER BY m.n, e.created_at, e.id
      ON CONFLICT (endpoint_id, event_id) DO NOTHING`;
  }

  async dueHeads(now: Date, limit: number, exclude: readonly string[]): Promise<DueWebhookDelivery[]> {
    this.guard();
    const rows = await this.tx.$queryRawUnsafe<(DeliveryRow & { url: string; secret: string })[]>(
      `SELECT ${DELIVERY_COLUMNS}, e.url, e.secret
       FROM (SELECT DISTINCT ON (endpoint_id) * FROM webhook_deliveries WHERE status = 'pending' ORDER BY endpoint_id, position) d
       JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
       WHERE d.next_attempt_at <= $1 AND NOT (d.endpoint_id = ANY($2::uuid[]))
       ORDER BY d.position LIMIT $3`,
      now,
      [...exclude],
      limit,
    );
    return rows.map((row) => ({ delivery: toDelivery(row), endpoint: { id: row.endpoint_id, url: row.url, secret: row.secret } }));
  }

  async dueHead(endpointId: string, now: Date): Promise<DueWebhookDelivery | null> {
    this.guard();
    if (!isUuid(endpointId)) return null;
    // The head first (an index scan on status, endpoint, position), then whether it is due: a later delivery that
    // happens to be due never jumps a head that waits for its retry.
    const [row] = await this.tx.$queryRawUnsafe<(DeliveryRow & { url: string; secret: string })[]>(
      `SELECT * FROM (
         SELECT ${DELIVERY_COLUMNS}, e.url, e.secret
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
         WHERE d.endpoint_id = $1::uuid AND d.status = 'pending'
         ORDER BY d.position LIMIT 1
       ) head WHERE head.next_attempt_at <= $2`,
      endpointId,
      now,
    );
    return row ? { delivery: toDelivery(row), endpoint: { id: row.endpoint_id, url: row.url, secret: row.secret } } : null;
  }

  async nextDueAt(exclude: readonly string[]): Promise<Date | null> {
    this.guard();
    const [row] = await this.tx.$queryRaw<{ due: Date | null }[]>`
      SELECT min(d.next_attempt_at) AS due
      FROM (SELECT DISTINCT ON (endpoint_id) endpoint_id, next_attempt_at FROM webhook_deliveries WHERE status = 'pending' ORDER BY endpoint_id, position) d
      JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
      WHERE NOT (d.endpoint_id = ANY(${[...exclude]}::uuid[]))`;
    return row?.due ?? null;
  }

  async recordAttempt(id: string, expectedAttempts: number, record: WebhookAttemptRecord): Promise<boolean> {
    this.guard();
    const updated = await this.tx.$executeRaw`
      UPDATE webhook_deliveries SET status = ${record.status}, attempts = ${record.attempts}, next_attempt_at = ${record.nextAttemptAt},
        last_response_code = ${record.responseCode}, last_latency_ms = ${record.latencyMs}, last_error = ${record.error},
        delivered_at = ${record.deliveredAt}
      WHERE id = ${id}::uuid AND status = 'pending' AND attempts = ${expectedAttempts}`;
    return updated > 0;
  }

  async listDeliveries(endpointId: string, page: { limit: number; cursor?: string }) {
    this.guard();
    const before = page.cursor === undefined ? null : decodeDeliveryCursor(page.cursor);
    if (!isUuid(endpointId)) return { items: [], nextCursor: null };
    const rows = await this.tx.$queryRawUnsafe<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d
       WHERE d.endpoint_id = $1::uuid AND ($2::bigint IS NULL OR d.position < $2::bigint)
       ORDER BY d.position DESC LIMIT $3`,
      endpointId,
      before,
      page.limit + 1,
    );
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return { items: items.map(toDelivery), nextCursor: rows.length > page.limit && last ? encodeDeliveryCursor(last.position) : null };
  }

  async getDelivery(endpointId: string, deliveryId: string): Promise<WebhookDelivery | null> {
    this.guard();
    if (!isUuid(endpointId) || !isUuid(deliveryId)) return null;
    const [row] = await this.tx.$queryRawUnsafe<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.id = $1::uuid AND d.endpoint_id = $2::uuid`,
      deliveryId,
      endpointId,
    );
    return row ? toDelivery(row) : null;
  }

  async requeue(target: { endpointId: string; ids: readonly string[] } | { failedOf: string }, at: Date): Promise<WebhookDelivery[]> {
    this.guard();
    const endpointId = "failedOf" in target ? target.failedOf : target.endpointId;
    const ids = "failedOf" in target ? null : target.ids.filter(isUuid);
    if (!isUuid(endpointId) || ids?.length === 0) return [];
    const rows = await this.tx.$queryRawUnsafe<DeliveryRow[]>(
      `UPDATE webhook_deliveries d SET status = 'pending', attempts = 0, next_attempt_at = $3, delivered_at = NULL
       WHERE d.endpoint_id = $1::uuid AND ($2::uuid[] IS NULL AND d.status = 'failed' OR d.id = ANY($2::uuid[]))
       RETURNING ${DELIVERY_COLUMNS}`,
      endpointId,
      ids,
      at,
    );
    return rows.sort((a, b) => (a.position < b.position ? -1 : 1)).map(toDelivery);
  }

  async pruneDeliveries(before: Date, limit: number): Promise<number> {
    this.guard();
    return this.tx.$executeRaw`
      DELETE FROM webhook_deliveries WHERE position IN (
        SELECT position FROM webhook_deliveries WHERE created_at < ${before} AND status <> 'pending' ORDER BY created_at LIMIT ${limit})`;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids come from paths: one that is no uuid names nothing (rather than a database error about its type). */
function isUuid(value: string): boolean {
  return UUID.test(value);
}

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: (row.eventTypes ?? []).map((type) => oneOf(EVENT_TYPES, type, "webhook_endpoints.event_types")),
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: oneOf<EventType>(EVENT_TYPES, row.event_type, "webhook_deliveries.event_type"),
    subject: { type: oneOf(EVENT_SUBJECT_TYPES, row.subject_type, "webhook_deliveries.subject_type"), id: row.subject_id },
    sequence: row.sequence,
    body: row.body,
    status: oneOf(WEBHOOK_DELIVERY_STATUSES, row.status, "webhook_deliveries.status"),
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastResponseCode: row.last_response_code,
    lastLatencyMs: row.last_latency_ms,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}
