/**
 * Following an import's progress (GET /api/v1/imports/{id}/events), bounded (issue 18, item 6): every stream of a
 * job in this process shares one poller, which reads the job every `intervalMs` in one unit of work whoever
 * watches; streams are capped per principal and per process; and a stream ends when its caller's credential does
 * (revoked, expired, user disabled or deleted, role no longer allowed), re-checked every `recheckMs`.
 */
import { ImportNotFoundError } from "../domain/errors";
import { isFinished, type ImportJob } from "../domain/import-job";
import { sleepUnlessAborted } from "../domain/until-aborted";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import { createConcurrencySlots, type ConcurrencyCaps, type ConcurrencySlots } from "./concurrency-slots";

export interface ImportSnapshot {
  status: ImportJob["status"];
  rowsDone: number;
  created: number;
  failed: number;
  total: number | null;
  /** Over the last few seconds of polls; null until there are two. */
  rowsPerSecond: number | null;
  /** Seconds left at that rate; null when the total or the rate is unknown. */
  etaSeconds: number | null;
  error: string | null;
  /** Why the job is paused (writes refused by a flag, issue 18 item 9); null while it may run. */
  paused: ImportJob["paused"];
}

export type WatchImport = (
  id: string,
  options: {
    /** Ends the stream: the client went away, the server drains. */
    signal: AbortSignal;
    /**
     * Whether the caller may still watch: their credential verified again (a revoked token, an ended session, a
     * disabled user) and their permission. False ends the stream.
     */
    stillAllowed: () => Promise<boolean>;
  },
  context: CallContext,
) => AsyncGenerator<ImportSnapshot>;

/** Event streams at once (issue 18): one poller per watched job, so the database work is per job, not per stream. */
export const IMPORT_EVENT_STREAM_CAPS: ConcurrencyCaps = { perPrincipal: 5, perProcess: 100, retryAfterSeconds: 30 };
/** How often a job is read for its streams. */
export const IMPORT_POLL_MS = 500;
/** How often a stream re-checks its caller's credential (from the credential cache, which hears of revocations). */
export const IMPORT_STREAM_RECHECK_MS = 5_000;

export interface ImportWatchers {
  watch: WatchImport;
  /** Streams open, and jobs polled for them, in this process (metrics, tests). */
  readonly streams: number;
  readonly pollers: number;
}

/**
 * @throws ImportNotFoundError (from the first `next()`) when there is no such job.
 * @throws ConcurrencyLimitError (from the first `next()`) past a cap: nothing is read then.
 */
export function makeImportWatchers(deps: {
  unitOfWork: UnitOfWork;
  clock: Clock;
  intervalMs?: number;
  recheckMs?: number;
  /** The streams' caps, shared with the live console's (issue 21); default: slots of its own. */
  slots?: ConcurrencySlots;
}): ImportWatchers {
  const intervalMs = deps.intervalMs ?? IMPORT_POLL_MS;
  const recheckMs = deps.recheckMs ?? IMPORT_STREAM_RECHECK_MS;
  const slots = deps.slots ?? createConcurrencySlots("event streams", IMPORT_EVENT_STREAM_CAPS);
  const pollers = new Map<string, Poller>();

  function pollerOf(id: string): Poller {
    let poller = pollers.get(id);
    if (!poller) {
      poller = startPoller(id, { unitOfWork: deps.unitOfWork, clock: deps.clock, intervalMs }, () => pollers.delete(id));
      pollers.set(id, poller);
    }
    return poller;
  }

  async function* watch(
    id: string,
    options: { signal: AbortSignal; stillAllowed: () => Promise<boolean> },
    context: CallContext,
  ): AsyncGenerator<ImportSnapshot> {
    const release = slots.acquire(context.principal);
    const ended = new AbortController();
    const stop = AbortSignal.any([options.signal, ended.signal]);
    const recheck = setInterval(() => {
      options.stillAllowed().then(
        (allowed) => {
          if (!allowed) ended.abort(new Error("The caller's credential ended"));
        },
        // A check that cannot be made (the database is down) ends the stream: it never outlives a credential.
        (error: unknown) => ended.abort(error),
      );
    }, recheckMs);
    recheck.unref();
    const subscription = pollerOf(id).subscribe();
    try {
      for (;;) {
        const next = await subscription.next(stop);
        if (next === null) return;
        yield next;
        if (isFinished(next.status)) return;
      }
    } finally {
      clearInterval(recheck);
      subscription.close();
      release();
    }
  }

  return {
    watch,
    get streams() {
      return slots.inUse;
    },
    get pollers() {
      return pollers.size;
    },
  };
}

interface Subscription {
  /** The newest snapshot this subscriber has not had yet, waiting for one if need be; null once `stop` aborts. */
  next(stop: AbortSignal): Promise<ImportSnapshot | null>;
  close(): void;
}

interface Poller {
  subscribe(): Subscription;
}

type Outcome = { snapshot: ImportSnapshot } | { error: unknown };

/**
 * Reads one job for all its subscribers until the job ends, the last subscriber leaves, or a read fails (each
 * subscriber then gets the failure, and the next one to come starts a new poller). Each subscriber gets the
 * newest snapshot, never a backlog: a slow client skips what it missed.
 */
function startPoller(
  id: string,
  deps: { unitOfWork: UnitOfWork; clock: Clock; intervalMs: number },
  onEnd: () => void,
): Poller {
  const subscribers = new Set<{ unseen: Outcome | null; wake: (() => void) | null }>();
  const stopped = new AbortController();
  const samples: { at: number; rows: number }[] = [];
  let latest: Outcome | null = null;
  let ended = false;

  const publish = (outcome: Outcome) => {
    latest = outcome;
    for (const subscriber of subscribers) {
      subscriber.unseen = outcome;
      subscriber.wake?.();
    }
  };
  const end = () => {
    if (ended) return;
    ended = true;
    stopped.abort();
    onEnd();
    for (const subscriber of subscribers) subscriber.wake?.();
  };

  void (async () => {
    try {
      for (;;) {
        const { job, progress } = await deps.unitOfWork.run(
          async ({ imports }) => {
            const found = await imports.get(id);
            if (!found) throw new ImportNotFoundError(id);
            return { job: found, progress: await imports.progress(id) };
          },
          { signal: stopped.signal },
        );
        const at = deps.clock.now().getTime();
        samples.push({ at, rows: progress.rowsDone });
        while (samples.length > 2 && at - (samples[0]?.at ?? at) > 5_000) samples.shift();
        const first = samples[0];
        const rate = first && at > first.at ? ((progress.rowsDone - first.rows) * 1000) / (at - first.at) : null;
        const left = job.totalRows === null ? null : job.totalRows - progress.rowsDone;
        publish({
          snapshot: {
            status: job.status,
            rowsDone: progress.rowsDone,
            created: progress.created,
            failed: progress.failed,
            total: job.totalRows,
            rowsPerSecond: rate === null ? null : Math.round(rate),
            etaSeconds: rate && left !== null ? Math.ceil(left / rate) : left === 0 ? 0 : null,
            error: job.error,
            paused: job.paused,
          },
        });
        if (isFinished(job.status) || (await sleepUnlessAborted(deps.intervalMs, stopped.signal))) return;
      }
    } catch (error) {
      if (!stopped.signal.aborted) publish({ error });
    } finally {
      end();
    }
  })();

  return {
    subscribe() {
      // Late to a poller that has answered already: the newest answer at once, not the next poll.
      const subscriber: { unseen: Outcome | null; wake: (() => void) | null } = { unseen: latest, wake: null };
      subscribers.add(subscriber);
      return {
        async next(stop) {
          while (subscriber.unseen === null) {
            if (stop.aborted || ended) return null;
            // Woken by a new outcome, the poller's end, or `stop`; one listener per waiting subscriber at a time.
            await new Promise<void>((resolve) => {
              const onStop = () => resolve();
              stop.addEventListener("abort", onStop, { once: true });
              subscriber.wake = () => {
                stop.removeEventListener("abort", onStop);
                resolve();
              };
            });
            subscriber.wake = null;
          }
          const outcome: Outcome = subscriber.unseen;
          subscriber.unseen = null;
          if ("error" in outcome) throw outcome.error;
          return outcome.snapshot;
        },
        close() {
          subscribers.delete(subscriber);
          if (subscribers.size === 0) end();
        },
      };
    },
  };
}
