import { sleepUnlessAborted } from "../domain/until-aborted";

/** Tries of a unit of work that could not get a connection: 100 ms, then doubling, about 100 s in all. */
export const BUSY_RETRIES = 10;

/**
 * Runs `unit`, and runs it again after a pause while it fails with DATABASE_BUSY (no pooled connection came free
 * within DB_POOL_WAIT_MS, or the unit was a deadlock's victim), up to BUSY_RETRIES times. For work with no caller waiting (import jobs, the scheduled
 * clean-up): a request answers 503 with Retry-After at once so that its client retries; a background job is its
 * own client, and a busy moment (a full pool under load, or an event loop stalled past the wait, as during Next's
 * start-up) passes. Any other error, the last busy one, or `signal` aborting during a pause is passed on.
 *
 * @param onRetry told before each pause (the attempt that failed, from 0), for a log line.
 */
export async function retryWhenBusy<T>(
  unit: () => Promise<T>,
  options: { signal: AbortSignal; onRetry?: (attempt: number) => void },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await unit();
    } catch (error) {
      if (!isBusy(error) || attempt >= BUSY_RETRIES) throw error;
      options.onRetry?.(attempt);
      if (await sleepUnlessAborted(100 * 2 ** attempt, options.signal)) throw error;
    }
  }
}

// By code, not instanceof: lib/ is bundled twice at run time (server/ and Next), so class identity is not reliable.
function isBusy(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "DATABASE_BUSY";
}
