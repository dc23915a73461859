import { SYSTEM_ACTOR } from "../domain/auth";
import { sleepUnlessAborted } from "../domain/until-aborted";
import { retryDelayMs, type DueWebhookDelivery, type WebhookAttemptRecord } from "../domain/webhooks";
import type { Clock } from "../ports/clock";
import type { Logger } from "../ports/logger";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work";
import type { WebhookObserver, WebhookSender } from "../ports/webhooks";
import { runThroughOutages } from "./relay-events";

export interface WebhookWorkerOptions {
  unitOfWork: UnitOfWork;
  sender: WebhookSender;
  clock: Clock;
  log: Logger;
  observer?: WebhookObserver;
  /** The waits before each retry (WEBHOOK_RETRY_SCHEDULE); when they run out the delivery fails. */
  schedule: readonly number[];
  /** Endpoints sent to at once (WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** How often an idle worker looks for due deliveries when nothing nudges it. */
  pollMs: number;
  /** Finished deliveries are kept this long in the log, then pruned. */
  retentionMs: number;
  /** In [0, 1): the retries' jitter (Math.random by default). */
  random?: () => number;
}

export interface WebhookWorker {
  /** Sends due deliveries until `signal` aborts, then waits for the requests under way to end. Never rejects. */
  run(signal: AbortSignal): Promise<void>;
  /** Deliveries were queued or requeued: look now rather than at the next poll. */
  nudge(): void;
}

const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 1_000;
/**
 * Deliveries an endpoint gets in a row once it has a turn, each next one read in the unit that recorded the one
 * before; then its next head competes again, oldest first, with the other endpoints' for a free slot.
 */
const TURN = 100;
/** After an unexpected failure of the loop itself (not of a delivery): wait before looking again. */
const FAILURE_PAUSE_MS = 1_000;

/**
 * The webhook delivery worker (issue 20, item 3; docs/decisions/017-webhooks.md). It runs on the relay's leader
 * only (the relay's `whileLeading`), so one process sends at a time across all replicas.
 *
 * Order: each endpoint gets its deliveries one at a time, oldest first, and the next only once the one before it
 * succeeded or failed for good (head-of-line): a subject's event n+1 never reaches an endpoint before event n. Up to
 * `concurrency` endpoints are sent to at once, so a slow or failing one holds up only itself. An endpoint that has
 * a turn keeps it for up to TURN deliveries: the unit that records an attempt also reads the endpoint's next due
 * head, so a busy endpoint costs one unit of work per delivery rather than three (bench/events.ts).
 *
 * Retries: a failed attempt (no answer, or not 2xx) is tried again after the schedule's next wait, with jitter;
 * when the schedule has run out the delivery fails and its endpoint is disabled, with the reason, for the admins to
 * see. Its later deliveries wait in its queue until an ADMIN enables it again.
 */
export function makeWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { unitOfWork, sender, clock, log, observer, schedule } = options;
  const random = options.random ?? Math.random;
  let nudged = false;
  let wake: (() => void) | undefined;

  /** Waits `ms`, or less when nudged (or a send ended) or `signal` aborts. */
  async function idle(ms: number, signal: AbortSignal): Promise<void> {
    if (nudged) {
      nudged = false;
      return;
    }
    const cut = new AbortController();
    wake = () => cut.abort();
    await sleepUnlessAborted(ms, AbortSignal.any([signal, cut.signal]));
    wake = undefined;
    nudged = false;
  }
  function nudge() {
    nudged = true;
    wake?.();
  }

  const inUnit = <T>(work: (repos: Repositories) => Promise<T>, signal: AbortSignal) => runThroughOutages(unitOfWork, work, signal);

  /** One attempt at an endpoint's head delivery, and its record; returns the endpoint's next head if it is due now. */
  async function attempt({ delivery, endpoint }: DueWebhookDelivery, signal: AbortSignal): Promise<DueWebhookDelivery | null> {
    const result = await sender.send(
      { url: endpoint.url, secret: endpoint.secret, messageId: delivery.eventId, timestamp: clock.now(), body: delivery.body },
      signal,
    );
    const now = clock.now();
    const attempts = delivery.attempts + 1;
    const succeeded = result.kind === "answered" && result.status >= 200 && result.status < 300;
    observer?.attempted(succeeded ? "succeeded" : "failed", result.latencyMs / 1_000);
    const answered = result.kind === "answered" ? result : null;
    const error = succeeded ? null : answered ? `HTTP ${answered.status}${answered.snippet ? `: ${answered.snippet}` : ""}` : result.kind === "failed" ? result.error : null;
    const wait = succeeded ? null : retryDelayMs(attempts, schedule, random);
    const record: WebhookAttemptRecord = {
      status: succeeded ? "succeeded" : wait === null ? "failed" : "pending",
      attempts,
      nextAttemptAt: wait === null ? null : new Date(now.getTime() + wait),
      responseCode: answered?.status ?? null,
      latencyMs: result.latencyMs,
      error: error?.slice(0, 500) ?? null,
      deliveredAt: succeeded ? now : null,
    };
    const { disabled, next } = await inUnit(async ({ webhooks, audit }) => {
      // Not recorded when an ADMIN resent or deleted it meanwhile: their change wins, and the worker looks again.
      if (!(await webhooks.recordAttempt(delivery.id, delivery.attempts, record))) return { disabled: false, next: null };
      if (record.status === "succeeded") return { disabled: false, next: await webhooks.dueHead(endpoint.id, now) };
      if (record.status !== "failed") return { disabled: false, next: null };
      const reason = `Disabled after ${attempts} failed attempts to deliver ${delivery.eventType} ${delivery.eventId}; the last: ${record.error ?? "failed"}`.slice(0, 500);
      const changed = await webhooks.updateEndpoint(endpoint.id, () => ({ enabled: false, disabledReason: reason, disabledAt: now }), now);
      if (!changed) return { disabled: false, next: null };
      await audit.append({
        action: "webhook.disabled",
        actor: SYSTEM_ACTOR,
        target: { type: "webhook", id: endpoint.id },
        data: { before: { enabled: true }, after: { enabled: false, disabledReason: reason }, deliveryId: delivery.id },
      });
      return { disabled: true, next: null };
    }, signal);
    if (record.status !== "pending") observer?.finished(record.status);
    if (disabled) {
      observer?.endpointDisabled();
      log.warn({ endpointId: endpoint.id, deliveryId: delivery.id, attempts, error: record.error }, "webhook endpoint disabled: its retries ran out");
    }
    return next;
  }

  /** An endpoint's turn: its due head, then the heads due after it, up to TURN. */
  async function turn(first: DueWebhookDelivery, signal: AbortSignal): Promise<void> {
    let head: DueWebhookDelivery | null = first;
    for (let sent = 0; head && sent < TURN && !signal.aborted; sent++) head = await attempt(head, signal);
  }

  async function prune(signal: AbortSignal): Promise<void> {
    const before = new Date(clock.now().getTime() - options.retentionMs);
    for (let round = 0; round < 10; round++) {
      if ((await inUnit(({ webhooks }) => webhooks.pruneDeliveries(before, PRUNE_BATCH), signal)) < PRUNE_BATCH) return;
    }
  }

  async function run(signal: AbortSignal): Promise<void> {
    /** Endpoints being sent to now, and the attempt under way for each. */
    const sending = new Map<string, Promise<void>>();
    let lastPrune = -Infinity;
    try {
      while (!signal.aborted) {
        try {
          if (performance.now() - lastPrune >= PRUNE_EVERY_MS) {
            lastPrune = performance.now();
            await prune(signal);
          }
          const free = options.concurrency - sending.size;
          if (free > 0) {
            const heads = await inUnit(({ webhooks }) => webhooks.dueHeads(clock.now(), free, [...sending.keys()]), signal);
            for (const head of heads) {
              const id = head.endpoint.id;
              const under = turn(head, signal)
                .catch((error: unknown) => {
                  if (!signal.aborted) log.error({ err: error, endpointId: id, deliveryId: head.delivery.id }, "webhook delivery failed to run: trying again");
                })
                .finally(() => {
                  sending.delete(id);
                  nudge();
                });
              sending.set(id, under);
            }
          }
          // Full: wait for a send to end (it nudges). Else until the next head is due, at most a poll.
          const next = sending.size < options.concurrency ? await inUnit(({ webhooks }) => webhooks.nextDueAt([...sending.keys()]), signal) : null;
          const waitMs = next === null ? options.pollMs : Math.min(options.pollMs, next.getTime() - clock.now().getTime());
          if (waitMs > 0) await idle(waitMs, signal);
        } catch (error) {
          if (signal.aborted) return;
          log.error({ err: error }, "webhook worker failed: trying again");
          await sleepUnlessAborted(FAILURE_PAUSE_MS, signal);
        }
      }
    } finally {
      // Aborted sends end at once (their request is cut); none may outlive the lease.
      await Promise.allSettled(sending.values());
    }
  }

  return { run, nudge };
}
