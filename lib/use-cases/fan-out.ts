/**
 * Fan-out/fan-in for a request that reads several independent things (the user overview, issue 6): each part
 * runs concurrently, at most `concurrency` at once (p-limit), under one AbortSignal that combines the caller's
 * (the request's deadline, the client going away) with a local one. The first part to fail aborts that local
 * signal, so the others stop (a unit of work given up on rolls back and, on PostgreSQL, cancels its statement)
 * and the parts still queued never start; the fan-out rejects with that failure, naming its part.
 */
import pLimit from "p-limit";

/** One part: given the fan-out's signal, it must stop (reject) when that signal aborts. */
export type Part<T> = (signal: AbortSignal) => Promise<T>;

/** The parts, by name; the fan-out resolves with their results under the same names. */
export type Parts<T extends Record<string, unknown>> = { [K in keyof T]: Part<T[K]> };

export interface FanOutOptions {
  /** How many parts may run at once (at least 1). */
  concurrency: number;
  /** The caller's signal: when it aborts, every part stops and the fan-out rejects with its reason, unnamed. */
  signal?: AbortSignal;
}

/**
 * Runs every part; resolves with all their results, or rejects with the first failure, which carries the failed
 * part's name as `part` (see {@link partOf}). A failure caused by the caller's own signal (deadline, client gone)
 * is not any part's fault: it is passed on as it is.
 */
export async function fanOut<T extends Record<string, unknown>>(parts: Parts<T>, options: FanOutOptions): Promise<T> {
  const local = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, local.signal]) : local.signal;
  const limit = pLimit(options.concurrency);
  const entries: [string, Part<unknown>][] = Object.entries(parts);
  const results = await Promise.all(
    entries.map(([name, part]) =>
      limit(async (): Promise<[string, unknown]> => {
        // Queued behind the cap while another part failed (or the caller gave up): do not start at all.
        signal.throwIfAborted();
        try {
          return [name, await part(signal)];
        } catch (error) {
          if (signal.aborted) throw error; // stopped by someone else's failure, or by the caller
          const named = withPart(error, name);
          local.abort(named);
          throw named;
        }
      }),
    ),
  );
  return resultsOf<T>(Object.fromEntries(results), entries.length);
}

/**
 * `error`, marked as the failure of `part` (`error.part`), for the problem answered to the client
 * (lib/http/problem.ts). Marked in place, as lib/adapters/prisma's `withRollbackError` does, so everything else
 * the error carries (its code, a Retry-After) still reaches the HTTP layer; a thrown non-Error is wrapped.
 */
export function withPart(error: unknown, part: string): Error & { part: string } {
  const target = error instanceof Error ? error : new Error(`part ${part} failed: ${String(error)}`);
  return Object.assign(target, { part });
}

/** The part a fan-out failure names, if any. */
export function partOf(error: unknown): string | undefined {
  return error instanceof Error && "part" in error && typeof error.part === "string" ? error.part : undefined;
}

/**
 * The results by name, as `T`. The cast restates what Promise.all established: every part of `Parts<T>` resolved
 * with its `T[K]` under its own name; TypeScript cannot carry a per-key type through Object.entries.
 */
function resultsOf<T extends Record<string, unknown>>(byName: Record<string, unknown>, expected: number): T {
  if (Object.keys(byName).length !== expected) throw new Error("unreachable: a part has no result");
  return byName as T;
}
