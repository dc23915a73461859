import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import type { UserStatus } from "../../domain/user";
import type { BreakerState, ConnectionStats } from "../../ports/database";
import type { WebhookObserver } from "../../ports/webhooks";

/**
 * The process's Prometheus metrics (issue 8), in one registry per app, served by our server at GET /metrics
 * (server/metrics-endpoint.ts). Only the server's bundle loads prom-client: requests are measured by the server
 * around Next's handler and database work by a decorator of the unit of work, so Next's bundle never needs a
 * registry of its own (the "already registered" / vanishing-metrics trap of NOTES.md does not arise).
 *
 * Label values come from closed sets only (route templates, HTTP methods, repository method names, statuses):
 * nothing a caller sends can create a series.
 */
export interface AppMetrics {
  readonly registry: Registry;
  /** The registry in Prometheus's text format, for GET /metrics. */
  exposition(): Promise<{ contentType: string; text: string }>;
  /**
   * One finished HTTP request. `route` is a template (`/api/v1/users/[id]`), never the raw path. A `probe`
   * (the platform looking at us, not users using us: health checks, scrapes) is measured but left out of the
   * dashboard's traffic.
   */
  observeRequest(request: { method: string; route: string; status: number; probe: boolean }, seconds: number): void;
  /** One database operation: a repository call (`users.list`) or a whole unit of work (`unit_of_work`). */
  observeDatabase(operation: string, outcome: "ok" | "error", seconds: number): void;
  setReady(ready: boolean): void;
  setUsersByStatus(counts: Readonly<Record<UserStatus, number>>): void;
  /** Read at each scrape: the database pool's connections (null: not a pool, e.g. the embedded database). */
  watchConnections(read: () => ConnectionStats | null): void;
  /** Read at each scrape: the import worker pool. */
  watchImportPool(read: () => { queued: number; running: number }): void;
  /**
   * Requests and server errors (5xx) per minute over the last hour, oldest first, the current minute last (so
   * far): counted from the same observations as http_request_duration_seconds, probes and scrapes left out.
   * This process only: each replica answers for itself (the dashboard says so; Prometheus sees them all).
   */
  recentTraffic(now?: Date): TrafficMinute[];
  /** One feature flag evaluation: the flag's key and the value served (declared keys and values only). */
  countFlagEvaluation(flag: string, variation: string): void;
  /** One run of the scheduled clean-up (issue 18): its outcome and, when it worked, what it deleted by kind. */
  countCleanup(run: { ok: true; deleted: Readonly<Record<string, number>> } | { ok: false }): void;
  /** One sign-in refused by the throttle, from the process's memory or after asking the database (issue 18). */
  countSignInThrottled(stage: "memory" | "database"): void;
  /** A circuit breaker changed state (issue 17): the state gauge follows, the transition is counted. */
  recordBreakerTransition(name: string, from: BreakerState, to: BreakerState): void;
  /**
   * The event relay (issue 20; lib/use-cases/relay-events.ts RelayObserver): whether this process leads, the
   * outbox's undelivered rows and the age of the oldest, events delivered and events of failed batches.
   */
  readonly eventRelay: {
    leading(leading: boolean): void;
    lag(rows: number, seconds: number): void;
    delivered(count: number): void;
    failed(count: number): void;
  };
  /**
   * Webhook deliveries (issue 20, item 3; lib/ports/webhooks.ts WebhookObserver): attempts by outcome and their
   * latency, deliveries that reached their end by outcome, endpoints disabled when their retries ran out.
   */
  readonly webhooks: WebhookObserver;
}

export interface TrafficMinute {
  start: Date;
  /** 60, or the seconds elapsed of the current minute. */
  seconds: number;
  requests: number;
  errors: number;
}

const MINUTE_MS = 60_000;
const TRAFFIC_MINUTES = 60;

/** Every metric the app exposes (histograms without their _bucket/_sum/_count series), for the operator kit's tests. */
export const METRIC_NAMES = [
  "http_request_duration_seconds",
  "db_operation_duration_seconds",
  "db_pool_connections",
  "db_pool_pending_acquires",
  "user_console_ready",
  "user_console_users",
  "user_console_import_queue_depth",
  "user_console_import_workers_busy",
  "feature_flag_evaluations_total",
  "user_console_cleanup_runs_total",
  "user_console_cleanup_deleted_total",
  "user_console_sign_in_throttled_total",
  "circuit_breaker_state",
  "circuit_breaker_transitions_total",
  "user_console_events_relay_leader",
  "user_console_events_lag_rows",
  "user_console_events_lag_seconds",
  "user_console_events_delivered_total",
  "user_console_events_failed_total",
  "user_console_webhook_attempts_total",
  "user_console_webhook_attempt_duration_seconds",
  "user_console_webhook_deliveries_total",
  "user_console_webhook_endpoints_disabled_total",
] as const;

/** A breaker's state as a number, gobreaker's order (as in the seed): 0 closed, 1 half-open, 2 open. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, "half-open": 1, open: 2 };

const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * @param options.processMetrics the default process and Node.js metrics (CPU, memory, event loop, GC): on for
 *   the process's app, off for the many apps a test run builds (each would start its own observers).
 * @param options.now the clock of the per-minute traffic counts (tests).
 */
export function createPrometheusMetrics(options: { processMetrics?: boolean; now?: () => Date } = {}): AppMetrics {
  const clock = options.now ?? (() => new Date());
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from receiving an HTTP request to finishing its response, by route template",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const database = new Histogram({
    name: "db_operation_duration_seconds",
    help: "Duration of database operations: repository calls and whole units of work (transactions)",
    labelNames: ["operation", "outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const ready = new Gauge({
    name: "user_console_ready",
    help: "1 when the last readiness probe passed, 0 when it failed or the process is draining",
    registers,
  });
  const users = new Gauge({
    name: "user_console_users",
    help: "Users (not deleted) by status; refreshed at most every 30 s, exact up to 10,000 per status, estimated beyond",
    labelNames: ["status"] as const,
    registers,
  });

  const flagEvaluations = new Counter({
    name: "feature_flag_evaluations_total",
    help: "Feature flag evaluations by flag and the variation served",
    labelNames: ["flag", "variation"] as const,
    registers,
  });

  const cleanupRuns = new Counter({
    name: "user_console_cleanup_runs_total",
    help: "Runs of the scheduled clean-up of expired sign-in failures, sessions, invitations and import files, by outcome",
    labelNames: ["outcome"] as const,
    registers,
  });
  const cleanupDeleted = new Counter({
    name: "user_console_cleanup_deleted_total",
    help: "Rows the scheduled clean-up deleted, by kind",
    labelNames: ["kind"] as const,
    registers,
  });
  const signInThrottled = new Counter({
    name: "user_console_sign_in_throttled_total",
    help: "Sign-in attempts refused by the throttle: stage=memory cost no database work, stage=database asked it",
    labelNames: ["stage"] as const,
    registers,
  });

  const breakerState = new Gauge({
    name: "circuit_breaker_state",
    help: "Circuit breaker state: 0 closed (calls go through), 1 half-open (one probe is trying), 2 open (calls refused at once)",
    labelNames: ["name"] as const,
    registers,
  });
  // The database's breaker exists from start-up: closed until it changes, so the series is there to alert on.
  breakerState.set({ name: "database" }, BREAKER_STATE_VALUE.closed);
  const breakerTransitions = new Counter({
    name: "circuit_breaker_transitions_total",
    help: "Circuit breaker state changes, by breaker and the states left and entered",
    labelNames: ["name", "from", "to"] as const,
    registers,
  });

  const relayLeader = new Gauge({
    name: "user_console_events_relay_leader",
    help: "1 while this process is the one event relay (it holds the outbox's lease), else 0",
    registers,
  });
  relayLeader.set(0);
  const eventLagRows = new Gauge({
    name: "user_console_events_lag_rows",
    help: "Events in the outbox not yet delivered, as the relaying process last measured (0 elsewhere)",
    registers,
  });
  const eventLagSeconds = new Gauge({
    name: "user_console_events_lag_seconds",
    help: "Age of the oldest event not yet delivered, as the relaying process last measured (0 elsewhere)",
    registers,
  });
  const eventsDelivered = new Counter({
    name: "user_console_events_delivered_total",
    help: "Events the relay handed to every publisher and marked delivered",
    registers,
  });
  const eventsFailed = new Counter({
    name: "user_console_events_failed_total",
    help: "Events in batches a publisher did not take (each is sent again: a batch failing twice counts twice)",
    registers,
  });

  const webhookAttempts = new Counter({
    name: "user_console_webhook_attempts_total",
    help: "Webhook requests sent, by outcome: succeeded (2xx) or failed (another status, no answer, refused address)",
    labelNames: ["outcome"] as const,
    registers,
  });
  const webhookAttemptSeconds = new Histogram({
    name: "user_console_webhook_attempt_duration_seconds",
    help: "Time from sending a webhook request to its answer (or its failure)",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const webhookDeliveries = new Counter({
    name: "user_console_webhook_deliveries_total",
    help: "Webhook deliveries that reached their end, by outcome: succeeded, or failed when the retry schedule ran out",
    labelNames: ["outcome"] as const,
    registers,
  });
  const webhookEndpointsDisabled = new Counter({
    name: "user_console_webhook_endpoints_disabled_total",
    help: "Webhook endpoints disabled because a delivery's retries ran out",
    registers,
  });
  for (const outcome of ["succeeded", "failed"]) {
    webhookAttempts.inc({ outcome }, 0);
    webhookDeliveries.inc({ outcome }, 0);
  }

  let readConnections: () => ConnectionStats | null = () => null;
  let readImportPool: () => { queued: number; running: number } = () => ({ queued: 0, running: 0 });
  new Gauge({
    name: "db_pool_connections",
    help: "Database connections of this process's pool by state",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const stats = readConnections();
      if (!stats) return;
      this.set({ state: "in_use" }, stats.inUse);
      this.set({ state: "idle" }, stats.idle);
    },
  });
  new Gauge({
    name: "db_pool_pending_acquires",
    help: "Units of work waiting for a free database connection",
    registers,
    collect() {
      this.set(readConnections()?.waiting ?? 0);
    },
  });
  new Gauge({
    name: "user_console_import_queue_depth",
    help: "Import batches parsed and waiting for a worker",
    registers,
    collect() {
      this.set(readImportPool().queued);
    },
  });
  new Gauge({
    name: "user_console_import_workers_busy",
    help: "Import workers writing a batch now",
    registers,
    collect() {
      this.set(readImportPool().running);
    },
  });

  // Per-minute counts in a ring of TRAFFIC_MINUTES slots: a slot is reused when its minute comes round again.
  const minutes = Array.from({ length: TRAFFIC_MINUTES }, () => ({ minute: -1, requests: 0, errors: 0 }));
  const slotOf = (minute: number) => {
    const slot = minutes[minute % TRAFFIC_MINUTES] ?? { minute: -1, requests: 0, errors: 0 };
    if (slot.minute !== minute) Object.assign(slot, { minute, requests: 0, errors: 0 });
    return slot;
  };

  return {
    registry,
    async exposition() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
    observeRequest({ method, route, status, probe }, seconds) {
      requests.observe({ method: HTTP_METHODS.has(method) ? method : "OTHER", route, status: String(status) }, seconds);
      if (probe) return;
      const slot = slotOf(Math.floor(clock().getTime() / MINUTE_MS));
      slot.requests++;
      if (status >= 500) slot.errors++;
    },
    countFlagEvaluation(flag, variation) {
      flagEvaluations.inc({ flag, variation });
    },
    countCleanup(run) {
      cleanupRuns.inc({ outcome: run.ok ? "ok" : "error" });
      if (run.ok) for (const [kind, count] of Object.entries(run.deleted)) cleanupDeleted.inc({ kind }, count);
    },
    countSignInThrottled(stage) {
      signInThrottled.inc({ stage });
    },
    eventRelay: {
      leading: (leading) => relayLeader.set(leading ? 1 : 0),
      lag(rows, seconds) {
        eventLagRows.set(rows);
        eventLagSeconds.set(seconds);
      },
      delivered: (count) => eventsDelivered.inc(count),
      failed: (count) => eventsFailed.inc(count),
    },
    webhooks: {
      attempted(outcome, seconds) {
        webhookAttempts.inc({ outcome });
        webhookAttemptSeconds.observe(seconds);
      },
      finished: (outcome) => webhookDeliveries.inc({ outcome }),
      endpointDisabled: () => webhookEndpointsDisabled.inc(),
    },
    recordBreakerTransition(name, from, to) {
      breakerState.set({ name }, BREAKER_STATE_VALUE[to]);
      breakerTransitions.inc({ name, from, to });
    },
    recentTraffic(now = clock()) {
      const current = Math.floor(now.getTime() / MINUTE_MS);
      return Array.from({ length: TRAFFIC_MINUTES }, (_, i) => {
        const minute = current - (TRAFFIC_MINUTES - 1) + i;
        const slot = minutes[minute % TRAFFIC_MINUTES];
        const counted = slot?.minute === minute ? slot : { requests: 0, errors: 0 };
        const seconds = minute === current ? Math.max(1, (now.getTime() - minute * MINUTE_MS) / 1000) : 60;
        return { start: new Date(minute * MINUTE_MS), seconds, requests: counted.requests, errors: counted.errors };
      });
    },
    observeDatabase(operation, outcome, seconds) {
      database.observe({ operation, outcome }, seconds);
    },
    setReady(value) {
      ready.set(value ? 1 : 0);
    },
    setUsersByStatus(counts) {
      for (const [status, count] of Object.entries(counts)) users.set({ status }, count);
    },
    watchConnections(read) {
      readConnections = read;
    },
    watchImportPool(read) {
      readImportPool = read;
    },
  };
}
