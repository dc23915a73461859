import { sleepUnlessAborted } from "../domain/until-aborted";
import type { Clock } from "../ports/clock";
import type { EventPublisher } from "../ports/event-publisher";
import type { Logger } from "../ports/logger";
import type { RelayLeadership, RelayLease } from "../ports/outbox";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work";

/** What the relay reports as it goes (the Prometheus metrics in production). */
export interface RelayObserver {
  /** This process became, or stopped being, the one relay. */
  leading(leading: boolean): void;
  /** Undelivered events and the age of the oldest (0 when none); measured by the leader only. */
  lag(rows: number, seconds: number): void;
  delivered(count: number): void;
  /** Events of a batch the publisher did not take (they will be sent again). */
  failed(count: number): void;
}

export interface EventRelayOptions {
  unitOfWork: UnitOfWork;
  leadership: RelayLeadership;
  publisher: EventPublisher;
  clock: Clock;
  log: Logger;
  observer?: RelayObserver;
  /** Events read and published at once (default 100). */
  batchSize?: number;
  /** How often an idle leader looks at the outbox when nothing nudges it (default 1 s). */
  pollMs?: number;
  /** Delivered events are kept this long, then pruned. */
  retentionMs: number;
  /** How often the leader prunes (default 1 min). */
  pruneEveryMs?: number;
  /** Wait after a failed publish: doubling from `initialMs` up to `maxMs` (defaults 500 ms and 30 s). */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * Work that must run on one replica at a time, beside relaying, for as long as this process leads (the webhook
   * delivery worker: per-endpoint order across replicas). Each is started when the lease is taken and is handed a
   * signal that aborts when leading ends; the lease is given back only once every one has settled.
   */
  whileLeading?: readonly ((signal: AbortSignal) => Promise<void>)[];
}

export interface EventRelay {
  /** Starts competing for leadership, and relaying while it holds it. */
  start(): void;
  /** Events were committed: look at the outbox now rather than at the next poll (if this process leads). */
  nudge(): void;
  /** True while this process is the relay. */
  leading(): boolean;
  /** Stops relaying (a batch being published is abandoned, to be sent again by the next leader) and gives the lease back. */
  stop(): Promise<void>;
}

/**
 * One unit of work that waits out a database outage (the breaker refuses at once while open, DATABASE_UNAVAILABLE)
 * rather than fail: for background work that is its own client (the relay, the webhook worker). Rejects with
 * `signal`'s reason when it aborts during the wait; any other error is passed on.
 */
export async function runThroughOutages<T>(unitOfWork: UnitOfWork, work: (repos: Repositories) => Promise<T>, signal: AbortSignal): Promise<T> {
  for (;;) {
    try {
      return await unitOfWork.run(work, { signal });
    } catch (error) {
      if (!(error instanceof Error && "code" in error && error.code === "DATABASE_UNAVAILABLE")) throw error;
      const seconds = "retryAfterSeconds" in error && typeof error.retryAfterSeconds === "number" ? error.retryAfterSeconds : 1;
      if (await sleepUnlessAborted(seconds * 1_000, signal)) throw signal.reason;
    }
  }
}

/** Rows pruned per statement, and statements per round: a long-idle outbox shrinks over a few rounds. */
const PRUNE_BATCH = 1_000;
const PRUNE_ROUNDS = 10;
/** How often the leader measures the backlog while busy (idle, every poll). */
const LAG_EVERY_MS = 1_000;

/**
 * The outbox relay (issue 20): one per process, of which only the leaseholder works (docs/decisions/016). It reads
 * undelivered events in outbox order, hands them to the publisher as one batch, and marks them delivered only
 * once the publisher took them all: at-least-once, and never a subject's event before an earlier one of its own
 * (a failed batch is sent again whole, from the start). A failed publish waits with exponential backoff; a
 * database outage (DATABASE_UNAVAILABLE) is waited out as import jobs do (the breaker's next probe); a lost lease
 * stops the batch at once and goes back to competing for leadership.
 */
export function makeEventRelay(options: EventRelayOptions): EventRelay {
  const { unitOfWork, leadership, publisher, clock, log } = options;
  const batchSize = options.batchSize ?? 100;
  const pollMs = options.pollMs ?? 1_000;
  const pruneEveryMs = options.pruneEveryMs ?? 60_000;
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const observer = options.observer;
  const stopper = new AbortController();
  let running: Promise<void> | undefined;
  let isLeading = false;
  let nudged = false;
  let wake: (() => void) | undefined;

  /** Waits `ms`, or less when nudged or `signal` aborts; true when it aborted. */
  function idle(ms: number, signal: AbortSignal): Promise<boolean> {
    if (nudged) {
      nudged = false;
      return Promise.resolve(signal.aborted);
    }
    const cut = new AbortController();
    wake = () => cut.abort();
    return sleepUnlessAborted(ms, AbortSignal.any([signal, cut.signal])).finally(() => {
      wake = undefined;
      nudged = false;
    }).then(() => signal.aborted);
  }

  /**
   * One unit of work that waits out a database outage (the breaker refuses at once while open) rather than fail;
   * rejects with `signal`'s reason when it aborts during the wait.
   */
  function inUnit<T>(work: (repos: Repositories) => Promise<T>, signal: AbortSignal): Promise<T> {
    return runThroughOutages(unitOfWork, work, signal);
  }

  async function measureLag(signal: AbortSignal): Promise<void> {
    const { rows, oldestOccurredAt } = await inUnit(({ events }) => events.backlog(), signal);
    observer?.lag(rows, oldestOccurredAt ? Math.max(0, (clock.now().getTime() - oldestOccurredAt.getTime()) / 1_000) : 0);
  }

  async function prune(signal: AbortSignal): Promise<void> {
    const before = new Date(clock.now().getTime() - options.retentionMs);
    for (let round = 0; round < PRUNE_ROUNDS; round++) {
      const pruned = await inUnit(({ events }) => events.prune(before, PRUNE_BATCH), signal);
      if (pruned < PRUNE_BATCH) return;
    }
  }

  /** Relays while the lease holds and the relay runs. */
  async function lead(lease: RelayLease): Promise<void> {
    const signal = AbortSignal.any([stopper.signal, lease.lost]);
    let failures = 0;
    let lastLag = -Infinity;
    let lastPrune = -Infinity;
    while (!signal.aborted) {
      const now = performance.now();
      if (now - lastPrune >= pruneEveryMs) {
        lastPrune = now;
        await prune(signal);
      }
      const batch = await inUnit(({ events }) => events.pending(batchSize), signal);
      if (batch.length === 0) {
        observer?.lag(0, 0);
        if (await idle(pollMs, signal)) return;
        continue;
      }
      if (now - lastLag >= LAG_EVERY_MS) {
        lastLag = now;
        await measureLag(signal);
      }
      try {
        await publisher.publish(batch, signal);
      } catch (error) {
        if (signal.aborted) return;
        observer?.failed(batch.length);
        failures++;
        const waitMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
        // Once per failing streak at warn, then quieter: a broker that is down for an hour logs one line per backoff.
        (failures === 1 ? log.warn : log.debug).call(log, { err: error, publisher: publisher.name, failures, waitMs }, "publishing events failed: retrying");
        if (await sleepUnlessAborted(waitMs, signal)) return;
        continue;
      }
      if (failures > 0) log.info({ publisher: publisher.name, failures }, "publishing events works again");
      failures = 0;
      // Not under the lease's signal: the publisher has them, so record it even if the lease was lost meanwhile
      // (the next leader would only send them again). An outage is waited out here too, for the same reason.
      await inUnit(({ events }) => events.markDelivered(batch.map((event) => event.id), clock.now()), stopper.signal);
      observer?.delivered(batch.length);
    }
  }

  async function loop(): Promise<void> {
    let attempt = 0;
    while (!stopper.signal.aborted) {
      let lease: RelayLease;
      try {
        lease = await leadership.acquire(stopper.signal);
      } catch (error) {
        if (stopper.signal.aborted) return;
        log.error({ err: error }, "event relay: acquiring leadership failed");
        await sleepUnlessAborted(Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt++), stopper.signal);
        continue;
      }
      isLeading = true;
      observer?.leading(true);
      log.info({ publisher: publisher.name }, "event relay: leading");
      let lost = false;
      const ended = new AbortController();
      const companions = (options.whileLeading ?? []).map((task) =>
        task(AbortSignal.any([stopper.signal, lease.lost, ended.signal])).catch((error: unknown) => {
          if (!ended.signal.aborted && !stopper.signal.aborted && !lease.lost.aborted) log.error({ err: error }, "event relay: work beside it failed");
        }),
      );
      try {
        await lead(lease);
        attempt = 0;
      } catch (error) {
        if (!stopper.signal.aborted && !lease.lost.aborted) {
          log.error({ err: error }, "event relay failed: giving up leadership and trying again");
          attempt++;
        }
      } finally {
        // Before the lease goes: no other replica may start this work while ours still runs.
        ended.abort(new Error("no longer leading"));
        await Promise.all(companions);
        isLeading = false;
        observer?.leading(false);
        observer?.lag(0, 0);
        lost = lease.lost.aborted;
        await lease.release().catch((error: unknown) => log.warn({ err: error }, "event relay: releasing leadership failed"));
      }
      if (lost && !stopper.signal.aborted) {
        log.warn({ reason: String(lease.lost.reason) }, "event relay: leadership lost");
        // A lease lost to a flapping connection is not grabbed straight back: the other replicas, whose
        // connections work, get the first chance at it.
        attempt = Math.max(attempt, 1);
      }
      // After a failure, not straight back: the same failure would come round again at once.
      if (attempt > 0) await sleepUnlessAborted(Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1)), stopper.signal);
    }
  }

  return {
    start() {
      if (running || stopper.signal.aborted) return;
      running = loop();
    },
    nudge() {
      nudged = true;
      wake?.();
    },
    leading: () => isLeading,
    async stop() {
      stopper.abort(new Error("The event relay is stopping"));
      await running;
    },
  };
}
