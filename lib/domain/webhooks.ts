import type { EventSubject, EventType } from "./events";
import { parseUrl } from "./url";

/**
 * Signed webhooks (issue 20, item 3): ADMINs register endpoints; the relay queues a delivery of each event to each
 * enabled endpoint that wants its type, and the delivery worker sends them, signed per the Standard Webhooks spec,
 * retrying on a schedule for up to a day (docs/decisions/017-webhooks.md).
 */

/** An endpoint as the console and the API show it: never its secret (shown once, at creation and rotation). */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  /** The event types it wants; empty: all of them, including types added later. */
  readonly eventTypes: readonly EventType[];
  readonly enabled: boolean;
  /** Why it is disabled: an ADMIN's doing, or the retry schedule that ran out (with the last error). */
  readonly disabledReason: string | null;
  readonly disabledAt: Date | null;
  /** Email of the ADMIN who created it, as it was then. */
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Grows by one with every change. */
  readonly version: number;
}

export interface NewWebhookEndpoint {
  url: string;
  description: string;
  eventTypes: readonly EventType[];
  /** `whsec_...`: stored as it is, since signing needs it (docs/decisions/017). */
  secret: string;
  createdBy: string;
  createdAt: Date;
}

/** What a change sets; the adapter bumps `version` and sets `updatedAt`. */
export interface WebhookEndpointChange {
  url?: string;
  description?: string;
  eventTypes?: readonly EventType[];
  secret?: string;
  enabled?: boolean;
  disabledReason?: string | null;
  disabledAt?: Date | null;
}

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One event for one endpoint, with how sending it went so far: a row of the endpoint's delivery log. */
export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly subject: EventSubject;
  readonly sequence: number;
  /** The request body, exactly as sent on every attempt: the event's JSON (lib/domain/events.ts EventMessage). */
  readonly body: string;
  readonly status: WebhookDeliveryStatus;
  /** Attempts since it was queued (or queued again by a resend or a re-enabled endpoint). */
  readonly attempts: number;
  /** When the worker tries it next; null once it succeeded or failed. */
  readonly nextAttemptAt: Date | null;
  readonly lastResponseCode: number | null;
  readonly lastLatencyMs: number | null;
  /** Why the last attempt failed, in a line (a status and the start of the answer, a timeout, a refused address). */
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

/** What the relay's publisher queues for each event: the same message goes to every endpoint that wants it. */
export interface WebhookMessage {
  eventId: string;
  eventType: EventType;
  subject: EventSubject;
  sequence: number;
  body: string;
}

/** The head of an endpoint's queue, due now, with what sending it needs. */
export interface DueWebhookDelivery {
  readonly delivery: WebhookDelivery;
  readonly endpoint: { readonly id: string; readonly url: string; readonly secret: string };
}

/** How one attempt went, as the worker records it. */
export interface WebhookAttemptRecord {
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  responseCode: number | null;
  latencyMs: number | null;
  error: string | null;
  deliveredAt: Date | null;
}

/** Whether an endpoint wants an event of `type` (an empty filter wants all). */
export function wantsEvent(eventTypes: readonly EventType[], type: EventType): boolean {
  return eventTypes.length === 0 || eventTypes.includes(type);
}

// ---------------------------------------------------------------------------------------------------------------
// The retry schedule

/**
 * Svix's schedule (issue 20 asks for one like it): after the first attempt, which goes at once, retries wait 5 s,
 * 5 min, 30 min, 2 h, 5 h and 10 h; with the jitter that is 17.6 h give or take a fifth, always under a day.
 */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = "5s,5m,30m,2h,5h,10h";
/** Each wait is its scheduled value times a random factor in [1 - JITTER, 1 + JITTER]: retries do not stampede. */
export const WEBHOOK_RETRY_JITTER = 0.2;
/** The schedule's longest total, jitter included: past a day, an endpoint is given up on (issue 20). */
export const MAX_WEBHOOK_RETRY_SPAN_MS = 24 * 3_600_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a schedule such as `5s,5m,30m,2h` (units ms, s, m, h; a bare number is milliseconds) into the waits before
 * each retry. At least one, and at most a day in all with the jitter.
 * @throws Error saying what is wrong.
 */
export function parseRetrySchedule(text: string): number[] {
  const waits = text.split(",").map((part) => {
    const match = /^\s*(\d+)\s*(ms|s|m|h)?\s*$/.exec(part);
    if (!match?.[1]) throw new Error(`"${part.trim()}" is not a duration such as 500ms, 5s, 5m or 2h`);
    return Number(match[1]) * (UNIT_MS[match[2] ?? "ms"] ?? 1);
  });
  const span = retrySpanMs(waits);
  if (span > MAX_WEBHOOK_RETRY_SPAN_MS) {
    throw new Error(`the retries take up to ${Math.round(span / 60_000)} min with the jitter: at most 24 h is allowed`);
  }
  return waits;
}

/** The longest a delivery can be retried for under `schedule`: every wait at its most jittered. */
export function retrySpanMs(schedule: readonly number[]): number {
  return schedule.reduce((sum, wait) => sum + wait, 0) * (1 + WEBHOOK_RETRY_JITTER);
}

/**
 * How long to wait after `failedAttempts` attempts failed (1 after the first), or null when the schedule has run
 * out and the delivery fails. `random` is in [0, 1) (Math.random in production).
 */
export function retryDelayMs(failedAttempts: number, schedule: readonly number[], random: () => number): number | null {
  const wait = failedAttempts >= 1 ? schedule[failedAttempts - 1] : undefined;
  if (wait === undefined) return null;
  return Math.round(wait * (1 - WEBHOOK_RETRY_JITTER + 2 * WEBHOOK_RETRY_JITTER * random()));
}

// ---------------------------------------------------------------------------------------------------------------
// URLs

export const MAX_WEBHOOK_URL_LENGTH = 2_000;
/** Deliveries per page of an endpoint's log. */
export const MAX_WEBHOOK_DELIVERY_PAGE = 200;

/**
 * What is wrong with an endpoint URL on its face, or null: http(s) only, no credentials in it (they would sit in
 * logs and the console; the signature authenticates us), no fragment. Where it may point is the sender's business:
 * a name is checked on each connection, as it resolves then (lib/adapters/webhooks/address-policy.ts).
 */
export function webhookUrlProblem(text: string): string | null {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) return `The URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`;
  const url = parseUrl(text);
  if (!url) return "Enter an absolute URL, such as https://example.com/webhooks";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "The URL must start with https:// or http://";
  if (url.username || url.password) return "Leave credentials out of the URL: receivers verify the signature instead";
  if (url.hash) return "Leave the #fragment out of the URL: it is never sent";
  return null;
}
