/**
 * What the parts of the import runner share while they work on a job (lib/use-cases/run-imports.ts builds it
 * once per runner): its dependencies with their defaults applied, the signal that stops it, and the units of work
 * a job runs, which wait out what passes rather than fail the job.
 */
import type { z } from "zod";

import type { Principal } from "../domain/auth";
import type { ImportPauseReason } from "../domain/import-job";
import type { NewUser } from "../domain/user";
import { sleepUnlessAborted } from "../domain/until-aborted";
import type { Clock } from "../ports/clock";
import type { CsvReader } from "../ports/csv-reader";
import type { Logger } from "../ports/logger";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work";
import type { WorkerPool } from "../ports/worker-pool";
import { retryWhenBusy } from "./retry-when-busy";

/** What a row must be: the rules of POST /users (lib/api-contract/users.ts createUserBody), passed in, not copied. */
export type ImportRowSchema = z.core.$ZodType<{ email: string; name: string; role: NewUser["role"]; status: "ACTIVE" | "DISABLED" }>;

/** What the runner is built from (makeImportRunner); the numbers have defaults (lib/domain/import-job.ts). */
export interface ImportRunnerDeps {
  unitOfWork: UnitOfWork;
  clock: Clock;
  pool: WorkerPool;
  csv: CsvReader;
  rowSchema: ImportRowSchema;
  log: Logger;
  batchSize?: number;
  leaseMs?: number;
  /** Jobs this process works on at once; more wait in the database (queued) for a free slot. */
  maxJobs?: number;
  /** Why the uploader's writes are refused now (the flags: lib/use-cases/flag-gates.ts), or null. */
  pauseReason: (uploader: Principal) => Promise<ImportPauseReason | null>;
  pauseCheckMs?: number;
}

/** The runner's dependencies with their defaults, plus what it adds for its jobs. */
export interface ImportJobContext extends Required<Omit<ImportRunnerDeps, "maxJobs">> {
  /**
   * The units of work of a job: each waits out a busy pool or a database outage ({@link jobUnitsOfWork}).
   * `unitOfWork` is for those that must not wait: renewing a lease, giving it up at shutdown.
   */
  jobWork: JobUnitsOfWork;
  /** Aborted when the runner stops: no new batch starts, and a unit waiting out an outage gives up. */
  stopping: AbortSignal;
}

export interface JobUnitsOfWork {
  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

/**
 * A job has no caller waiting on it, so each of its units of work waits out what passes rather than fail the
 * whole job: every pooled connection busy past the pool's wait (DATABASE_BUSY: a few tries with backoff,
 * retry-when-busy.ts, counted afresh after each outage), or the database unreachable (DATABASE_UNAVAILABLE,
 * issue 17: as long as the outage lasts, trying again when the circuit breaker's next probe is due; its log says
 * the outage once, this says nothing more per unit). Stopping ends the wait: a batch's job is then cut, not
 * failed, and the next start resumes it from its last committed batch.
 */
export function jobUnitsOfWork(unitOfWork: UnitOfWork, stopping: AbortSignal, log: Logger): JobUnitsOfWork {
  const onRetry = (attempt: number) => log.warn({ attempt }, "database busy: retrying an import unit of work");
  return {
    async run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
      for (;;) {
        try {
          return await retryWhenBusy(() => unitOfWork.run(work), { signal: stopping, onRetry });
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          const seconds = "retryAfterSeconds" in error && typeof error.retryAfterSeconds === "number" ? error.retryAfterSeconds : 1;
          if (await sleepUnlessAborted(seconds * 1000, stopping)) throw error;
        }
      }
    },
  };
}

/** The database cannot be reached (the circuit breaker is open). By code: lib/ is bundled twice (retry-when-busy.ts). */
export function isDatabaseUnavailable(error: unknown): error is Error & { code: "DATABASE_UNAVAILABLE" } {
  return error instanceof Error && "code" in error && error.code === "DATABASE_UNAVAILABLE";
}

/** When a lease taken or renewed now runs out. */
export function leaseUntil({ clock, leaseMs }: Pick<ImportJobContext, "clock" | "leaseMs">): Date {
  return new Date(clock.now().getTime() + leaseMs);
}
