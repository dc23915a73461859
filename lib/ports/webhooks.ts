import type {
  DueWebhookDelivery,
  NewWebhookEndpoint,
  WebhookAttemptRecord,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointChange,
  WebhookMessage,
} from "../domain/webhooks";

/**
 * Webhook endpoints and their deliveries (issue 20, item 3), in the unit of work: an endpoint's change commits with
 * its audit entry, and the relay's publisher queues a batch's deliveries in one unit (docs/decisions/017-webhooks.md).
 */
export interface WebhookRepository {
  /** Stores a new endpoint, enabled, at version 1. */
  createEndpoint(endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint>;
  getEndpoint(id: string): Promise<WebhookEndpoint | null>;
  /** Every endpoint, oldest first. */
  listEndpoints(): Promise<WebhookEndpoint[]>;
  /**
   * Read-modify-write: reads the endpoint (locking it until the unit ends), applies `change` to it, writes the
   * result with version + 1 and `updatedAt` = `at`. Null when there is no such endpoint (`change` is not called).
   */
  updateEndpoint(id: string, change: (current: WebhookEndpoint) => WebhookEndpointChange, at: Date): Promise<WebhookEndpoint | null>;
  /** Deletes the endpoint and its delivery log; false when there was none. */
  deleteEndpoint(id: string): Promise<boolean>;

  /**
   * Queues, for each message in the order given, a pending delivery to every enabled endpoint whose type filter
   * wants it, due at `at`. A message already queued for an endpoint (the relay sent its batch again) is not queued
   * twice. Returns how many deliveries it queued.
   */
  enqueue(messages: readonly WebhookMessage[], at: Date): Promise<number>;
  /**
   * The head of each enabled endpoint's queue (its oldest pending delivery) that is due at `now`, with the
   * endpoint's URL and secret, for at most `limit` endpoints and none in `exclude` (those being sent to now).
   * Only a queue's head is ever listed: an endpoint gets its deliveries one at a time, in the order queued.
   */
  dueHeads(now: Date, limit: number, exclude: readonly string[]): Promise<DueWebhookDelivery[]>;
  /**
   * The head of one endpoint's queue, with the endpoint's URL and secret, if the endpoint is enabled and the head is
   * due at `now`; else null. The worker's next send to an endpoint it has just sent to, read in the unit that
   * recorded the last attempt.
   */
  dueHead(endpointId: string, now: Date): Promise<DueWebhookDelivery | null>;
  /** When the earliest head of an enabled endpoint's queue is due (null: nothing pending), endpoints in `exclude` aside. */
  nextDueAt(exclude: readonly string[]): Promise<Date | null>;
  /**
   * Records an attempt, if the delivery is still pending with `expectedAttempts` attempts (not resent, not deleted
   * meanwhile); returns whether it did.
   */
  recordAttempt(id: string, expectedAttempts: number, record: WebhookAttemptRecord): Promise<boolean>;

  /** The endpoint's delivery log, newest first, `limit` a page, continuing after `cursor` (from the previous page). */
  listDeliveries(endpointId: string, page: { limit: number; cursor?: string }): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }>;
  getDelivery(endpointId: string, deliveryId: string): Promise<WebhookDelivery | null>;
  /**
   * Queues deliveries again, keeping their place in the queue (their order among the endpoint's deliveries): pending,
   * no attempts, due at `at`. `ids` names them; `failedOf` takes every failed delivery of that endpoint. Returns
   * those it queued.
   */
  requeue(target: { endpointId: string; ids: readonly string[] } | { failedOf: string }, at: Date): Promise<WebhookDelivery[]>;
  /** Deletes up to `limit` deliveries that succeeded or failed before `before` (never a pending one); returns how many. */
  pruneDeliveries(before: Date, limit: number): Promise<number>;
}

/** How one request to an endpoint went. */
export type WebhookSendResult =
  /** It answered (any status; only 2xx is success). `snippet`: the start of its body, for the log. */
  | { kind: "answered"; status: number; latencyMs: number; snippet: string }
  /** No answer: refused address (SSRF), DNS, connection, TLS, timeout, a body past the cap. */
  | { kind: "failed"; latencyMs: number; error: string };

export interface WebhookRequest {
  url: string;
  secret: string;
  /** `webhook-id`: the event's id, the same on every attempt, so the receiver can drop a repeat. */
  messageId: string;
  /** `webhook-timestamp`: this attempt's time. */
  timestamp: Date;
  body: string;
}

/** Sends signed webhook requests (Standard Webhooks), refusing addresses the deployment does not allow (SSRF). */
export interface WebhookSender {
  /**
   * Why a URL would be refused whatever its name resolves to (an address literal in a refused range), or null.
   * Names are checked on each connection, against the addresses they resolve to then.
   */
  refusal(url: string): string | null;
  /** Sends one attempt; resolves with its outcome, rejects only with `signal`'s reason when it aborts. */
  send(request: WebhookRequest, signal: AbortSignal): Promise<WebhookSendResult>;
  close(): Promise<void>;
}

/** What the delivery worker reports (Prometheus metrics in production). */
export interface WebhookObserver {
  /** One attempt: its outcome and how long it took. */
  attempted(outcome: "succeeded" | "failed", seconds: number): void;
  /** A delivery reached its end: delivered, or given up on when the schedule ran out. */
  finished(outcome: "succeeded" | "failed"): void;
  /** An endpoint was disabled because a delivery's retries ran out. */
  endpointDisabled(): void;
}
