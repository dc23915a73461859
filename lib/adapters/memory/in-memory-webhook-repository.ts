import { wantsEvent, type DueWebhookDelivery, type NewWebhookEndpoint, type WebhookAttemptRecord, type WebhookDelivery, type WebhookEndpoint, type WebhookEndpointChange, type WebhookMessage } from "../../domain/webhooks";
import type { WebhookRepository } from "../../ports/webhooks";
import { decodeDeliveryCursor, encodeDeliveryCursor } from "../webhooks/delivery-cursor";
import type { InMemoryState } from "./in-memory-database";

export type StoredWebhookEndpoint = WebhookEndpoint & { secret: string };
/** A delivery and its place in the queue (the database's bigserial). */
export type StoredWebhookDelivery = WebhookDelivery & { position: number };

/**
 * Webhook endpoints and deliveries in memory. Units of work run one at a time (in-memory-database.ts), which is
 * the locking; rows are replaced, never changed in place, since the committed state shares them with a unit's copy.
 */
export class InMemoryWebhookRepository implements WebhookRepository {
  constructor(
    private readonly state: InMemoryState,
    private readonly newId: () => string,
    /** Throws once the unit of work has been given up on. */
    private readonly guard: () => void,
  ) {}

  async createEndpoint(endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    this.guard();
    const stored: StoredWebhookEndpoint = {
      id: this.newId(),
      url: endpoint.url,
      description: endpoint.description,
      eventTypes: [...endpoint.eventTypes],
      secret: endpoint.secret,
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      createdBy: endpoint.createdBy,
      createdAt: endpoint.createdAt,
      updatedAt: endpoint.createdAt,
      version: 1,
    };
    this.state.webhookEndpoints.set(stored.id, stored);
    return withoutSecret(stored);
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    this.guard();
    const stored = this.state.webhookEndpoints.get(id);
    return stored ? withoutSecret(stored) : null;
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    this.guard();
    return [...this.state.webhookEndpoints.values()]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
      .map(withoutSecret);
  }

  async updateEndpoint(id: string, change: (current: WebhookEndpoint) => WebhookEndpointChange, at: Date): Promise<WebhookEndpoint | null> {
    this.guard();
    const current = this.state.webhookEndpoints.get(id);
    if (!current) return null;
    const patch = change(withoutSecret(current));
    const next: StoredWebhookEndpoint = {
      ...current,
      url: patch.url ?? current.url,
      description: patch.description ?? current.description,
      eventTypes: patch.eventTypes ? [...patch.eventTypes] : current.eventTypes,
      secret: patch.secret ?? current.secret,
      enabled: patch.enabled ?? current.enabled,
      disabledReason: patch.disabledReason === undefined ? current.disabledReason : patch.disabledReason,
      disabledAt: patch.disabledAt === undefined ? current.disabledAt : patch.disabledAt,
      updatedAt: at,
      version: current.version + 1,
    };
    this.state.webhookEndpoints.set(id, next);
    return withoutSecret(next);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    this.guard();
    if (!this.state.webhookEndpoints.delete(id)) return false;
    this.state.webhookDeliveries = this.state.webhookDeliveries.filter((row) => row.endpointId !== id);
    return true;
  }

  async enqueue(messages: readonly WebhookMessage[], at: Date): Promise<number> {
    this.guard();
    const endpoints = [...this.state.webhookEndpoints.values()].filter((endpoint) => endpoint.enabled);
    const queued = new Set(this.state.webhookDeliveries.map((row) => `${row.endpointId} ${row.eventId}`));
    let count = 0;
    for (const message of messages) {
      for (const endpoint of endpoints) {
        const key = `${endpoint.id} ${message.eventId}`;
        if (!wantsEvent(endpoint.eventTypes, message.eventType) || queued.has(key)) continue;
        queued.add(key);
        this.state.webhookDeliveries.push({
          position: this.state.nextWebhookDeliveryPosition++,
          id: this.newId(),
          endpointId: endpoint.id,
          eventId: message.eventId,
          eventType: message.eventType,
          subject: { ...message.subject },
          sequence: message.sequence,
          body: message.body,
          status: "pending",
          attempts: 0,
          nextAttemptAt: at,
          lastResponseCode: null,
          lastLatencyMs: null,
          lastError: null,
          createdAt: at,
          deliveredAt: null,
        });
        count++;
      }
    }
    return count;
  }

  /** Each enabled endpoint's oldest pending delivery, in the order the endpoints' heads were queued. */
  private heads(): { head: StoredWebhookDelivery; endpoint: StoredWebhookEndpoint }[] {
    const seen = new Set<string>();
    const heads: { head: StoredWebhookDelivery; endpoint: StoredWebhookEndpoint }[] = [];
    for (const row of this.state.webhookDeliveries) {
      if (row.status !== "pending" || seen.has(row.endpointId)) continue;
      seen.add(row.endpointId);
      const endpoint = this.state.webhookEndpoints.get(row.endpointId);
      if (endpoint?.enabled) heads.push({ head: row, endpoint });
    }
    return heads;
  }

  async dueHeads(now: Date, limit: number, exclude: readonly string[]): Promise<DueWebhookDelivery[]> {
    this.guard();
    const excluded = new Set(exclude);
    return this.heads()
      .filter(({ head }) => !excluded.has(head.endpointId) && head.nextAttemptAt !== null && head.nextAttemptAt <= now)
      .slice(0, limit)
      .map(({ head, endpoint }) => ({
        delivery: publicDelivery(head),
        endpoint: { id: endpoint.id, url: endpoint.url, secret: endpoint.secret },
      }));
  }

  async dueHead(endpointId: string, now: Date): Promise<DueWebhookDelivery | null> {
    this.guard();
    const found = this.heads().find(({ head }) => head.endpointId === endpointId);
    if (!found?.head.nextAttemptAt || found.head.nextAttemptAt > now) return null;
    return { delivery: publicDelivery(found.head), endpoint: { id: found.endpoint.id, url: found.endpoint.url, secret: found.endpoint.secret } };
  }

  async nextDueAt(exclude: readonly string[]): Promise<Date | null> {
    this.guard();
    const times = this.heads()
      .filter(({ head }) => !exclude.includes(head.endpointId))
      .flatMap(({ head }) => (head.nextAttemptAt ? [head.nextAttemptAt.getTime()] : []));
    return times.length === 0 ? null : new Date(Math.min(...times));
  }

  async recordAttempt(id: string, expectedAttempts: number, record: WebhookAttemptRecord): Promise<boolean> {
    this.guard();
    const index = this.state.webhookDeliveries.findIndex((row) => row.id === id);
    const row = this.state.webhookDeliveries[index];
    if (!row || row.status !== "pending" || row.attempts !== expectedAttempts) return false;
    this.state.webhookDeliveries[index] = {
      ...row,
      status: record.status,
      attempts: record.attempts,
      nextAttemptAt: record.nextAttemptAt,
      lastResponseCode: record.responseCode,
      lastLatencyMs: record.latencyMs,
      lastError: record.error,
      deliveredAt: record.deliveredAt,
    };
    return true;
  }

  async listDeliveries(endpointId: string, page: { limit: number; cursor?: string }) {
    this.guard();
    const after = page.cursor === undefined ? Infinity : decodeDeliveryCursor(page.cursor);
    const rows = this.state.webhookDeliveries
      .filter((row) => row.endpointId === endpointId && row.position < after)
      .sort((a, b) => b.position - a.position)
      .slice(0, page.limit + 1);
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return { items: items.map(publicDelivery), nextCursor: rows.length > page.limit && last ? encodeDeliveryCursor(last.position) : null };
  }

  async getDelivery(endpointId: string, deliveryId: string): Promise<WebhookDelivery | null> {
    this.guard();
    const row = this.state.webhookDeliveries.find((candidate) => candidate.id === deliveryId && candidate.endpointId === endpointId);
    return row ? publicDelivery(row) : null;
  }

  async requeue(target: { endpointId: string; ids: readonly string[] } | { failedOf: string }, at: Date): Promise<WebhookDelivery[]> {
    this.guard();
    const picked =
      "failedOf" in target
        ? (row: StoredWebhookDelivery) => row.endpointId === target.failedOf && row.status === "failed"
        : (row: StoredWebhookDelivery) => row.endpointId === target.endpointId && target.ids.includes(row.id);
    const requeued: WebhookDelivery[] = [];
    this.state.webhookDeliveries = this.state.webhookDeliveries.map((row) => {
      if (!picked(row)) return row;
      const next: StoredWebhookDelivery = { ...row, status: "pending", attempts: 0, nextAttemptAt: at, deliveredAt: null };
      requeued.push(publicDelivery(next));
      return next;
    });
    return requeued;
  }

  async pruneDeliveries(before: Date, limit: number): Promise<number> {
    this.guard();
    let pruned = 0;
    this.state.webhookDeliveries = this.state.webhookDeliveries.filter((row) => {
      const old = row.status !== "pending" && row.createdAt < before && pruned < limit;
      if (old) pruned++;
      return !old;
    });
    return pruned;
  }
}

function withoutSecret({ secret: _secret, ...endpoint }: StoredWebhookEndpoint): WebhookEndpoint {
  return { ...endpoint, eventTypes: [...endpoint.eventTypes] };
}

function publicDelivery({ position: _position, ...delivery }: StoredWebhookDelivery): WebhookDelivery {
  return { ...delivery, subject: { ...delivery.subject } };
}
