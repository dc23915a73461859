import { utcDay } from "../domain/days";
import type { FlagEvaluationCount } from "../ports/feature-flag-repository";
import type { Clock } from "../ports/clock";
import type { Logger } from "../ports/logger";
import type { UnitOfWork } from "../ports/unit-of-work";

/**
 * Counts flag evaluations in memory and adds them to the database's per-day counts every `flushMs` and at
 * shutdown (issue 9: stale flags are judged from these). An evaluation costs a map update, never a write; a
 * flush that fails keeps its counts for the next one.
 */
export interface FlagEvaluationRecorder {
  count(flag: string, variation: string): void;
  flush(): Promise<void>;
  start(): void;
  /** Stops the timer and flushes what is left. */
  stop(): Promise<void>;
}

export function makeFlagEvaluationRecorder(deps: { unitOfWork: UnitOfWork; clock: Clock; flushMs: number; log: Logger }): FlagEvaluationRecorder {
  let pending = new Map<string, FlagEvaluationCount>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  const add = (into: Map<string, FlagEvaluationCount>, entry: FlagEvaluationCount) => {
    const key = `${entry.flag}\u0000${entry.day}\u0000${entry.variation}`;
    const existing = into.get(key);
    into.set(key, existing ? { ...existing, count: existing.count + entry.count } : entry);
  };

  async function write(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await deps.unitOfWork.run(({ flags }) => flags.addEvaluationCounts([...batch.values()]));
    } catch (error) {
      for (const entry of batch.values()) add(pending, entry);
      throw error;
    }
  }

  const flush = () => (flushing = flushing.then(write, write));

  return {
    count(flag, variation) {
      add(pending, { flag, day: utcDay(deps.clock.now()), variation, count: 1 });
    },
    flush,
    start() {
      timer = setInterval(() => {
        flush().catch((error: unknown) => deps.log.warn({ err: error }, "feature flags: could not store evaluation counts; kept for the next try"));
      }, deps.flushMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
