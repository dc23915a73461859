import { ACCOUNT_FAILURE_WINDOW_MS, KNOWN_DEVICE_TTL_MS } from "../domain/auth";
import { IMPORT_UPLOAD_ABANDONED_MS } from "../domain/import-job";
import type { Clock } from "../ports/clock";
import type { Logger } from "../ports/logger";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work";
import { retryWhenBusy } from "./retry-when-busy";

/** What one clean-up deleted, by kind (the label values of the cleanup metric). */
// A type, not an interface: it is then a Record<string, number> too (the metrics take any such counts).
export type PurgeCounts = {
  /** Sign-in failures (and audited-refusal markers) older than the longest throttle window. */
  signInFailures: number;
  /** Sessions past their idle or absolute limit. */
  sessions: number;
  /** Invitations past their expiry, used or not: an expired link is refused the same as an unknown one. */
  invitations: number;
  /** Uploaded files of finished import jobs (the jobs and their reports stay), and uploads abandoned midway. */
  importFiles: number;
  /** Device cookies unused for KNOWN_DEVICE_TTL_MS. */
  knownDevices: number;
  /** Rows of the users' read model folded away (its deltas summed into one row per key; issue 21). */
  userStatDeltas: number;
};

/** Aborting `signal` ends a wait for a busy pool (shutdown): that kind then fails with DATABASE_BUSY. */
export type PurgeExpired = (options?: { signal?: AbortSignal }) => Promise<PurgeCounts>;

/**
 * Deletes what has expired (issue 18: sign-in failures were purged only on a success, so a stream of failures
 * grew the table for good). Each kind in a unit of its own: a slow or failing one neither holds up nor rolls
 * back the others; once every kind has had its turn, the failures are thrown together (AggregateError).
 *
 * A kind whose unit finds the pool busy is tried again after a pause (retry-when-busy.ts), not given up until the
 * next interval: nobody waits on the clean-up, and a busy moment (a full pool under load, an event loop held past
 * DB_POOL_WAIT_MS) passes. Replicas started under load logged "clean-up failed … 1 kind(s) failed" with
 * DATABASE_BUSY when the first run met Next's preparation (server/main.ts now starts it after that).
 */
export function makePurgeExpired({ unitOfWork, clock, log }: { unitOfWork: UnitOfWork; clock: Clock; log: Logger }): PurgeExpired {
  return async ({ signal = new AbortController().signal } = {}) => {
    const now = clock.now();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const steps: Record<keyof PurgeCounts, (repos: Repositories) => Promise<number>> = {
      signInFailures: ({ signInFailures }) => signInFailures.deleteBefore(ago(ACCOUNT_FAILURE_WINDOW_MS)),
      sessions: ({ sessions }) => sessions.deleteExpired(now),
      invitations: ({ invitations }) => invitations.deleteExpiredBefore(now),
      importFiles: ({ imports }) => imports.deleteFinishedFiles(ago(IMPORT_UPLOAD_ABANDONED_MS)),
      knownDevices: ({ devices }) => devices.deleteUnusedBefore(ago(KNOWN_DEVICE_TTL_MS)),
      userStatDeltas: ({ users }) => users.compactStats(),
    };
    const counts: PurgeCounts = { signInFailures: 0, sessions: 0, invitations: 0, importFiles: 0, knownDevices: 0, userStatDeltas: 0 };
    const failures: unknown[] = [];
    const failed: string[] = [];
    for (const [kind, step] of Object.entries(steps) as [keyof PurgeCounts, (typeof steps)[keyof PurgeCounts]][]) {
      try {
        const onRetry = (attempt: number) => log.debug({ kind, attempt }, "clean-up: database busy, trying again");
        counts[kind] = await retryWhenBusy(() => unitOfWork.run(step), { signal, onRetry });
      } catch (error) {
        failures.push(error);
        failed.push(`${kind} (${codeOf(error)})`);
      }
    }
    // Which kinds failed, and how, in the message: the log line of a failed run is read cut short (the errors
    // themselves come after their stacks).
    if (failures.length > 0) throw new AggregateError(failures, `clean-up: ${failures.length} kind(s) failed: ${failed.join(", ")}`);
    return counts;
  };
}

function codeOf(error: unknown): string {
  if (error instanceof Error) return "code" in error && typeof error.code === "string" ? error.code : error.name;
  return String(error);
}

/** The one scheduled clean-up of the process: server/main.ts starts it once it listens and stops it at shutdown. */
export interface ScheduledCleanup {
  /** Runs once now (in the background), then every interval. */
  start(): void;
  /** Stops the timer and waits for a run under way (cut short where it waits for a busy pool). */
  stop(): Promise<void>;
  /** One run now, as the timer does it (tests, and the first run). */
  runOnce(): Promise<void>;
}

export function makeScheduledCleanup({
  purge,
  intervalMs,
  log,
  onRun,
}: {
  purge: PurgeExpired;
  intervalMs: number;
  log: Logger;
  /** Told of each run's outcome: the metrics count it. */
  onRun: (outcome: { ok: true; deleted: PurgeCounts } | { ok: false }) => void;
}): ScheduledCleanup {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const stopper = new AbortController();

  const runOnce = () =>
    (running = running.then(async () => {
      try {
        const deleted = await purge({ signal: stopper.signal });
        onRun({ ok: true, deleted });
        log.debug({ deleted }, "clean-up done");
      } catch (error) {
        onRun({ ok: false });
        log.warn({ err: error }, "clean-up failed; it runs again at the next interval");
      }
    }));

  return {
    runOnce,
    start() {
      void runOnce();
      timer = setInterval(() => void runOnce(), intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      stopper.abort();
      await running;
    },
  };
}
