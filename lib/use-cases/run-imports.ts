/**
 * The engine of CSV import jobs (issue 6): takes a job (a lease in the database, so one process works on it),
 * parses its stored file, validates every row, and writes batches through the bounded WorkerPool, each batch one
 * unit of work: the users whose email is free, one audit entry per created user (the house rule: every change
 * has its own record, found by the user's id on the audit page), the row errors, and the batch's record. The
 * parser waits while the pool is full. A job cut short (shutdown, crash) keeps its committed batches; whoever
 * takes it next skips them, so counts, which are sums over committed batches, stay exact.
 *
 * The file is read a chunk at a time from the database (issue 18, item 7), never whole. While the flags refuse
 * the uploader's writes (read-only mode, imports turned off: issue 18, item 9), the job pauses before its next
 * batch: no batch starts, the reason is recorded on the job for every replica to show, and once writes are
 * allowed again it goes on from its committed batches.
 *
 * This file is the runner's entry and its worker loop; the work on one job is in the files it names:
 * lease-import-job.ts (taking, renewing and giving up a job's lease), run-import-job.ts (one job from take-up to
 * its end), read-import-file.ts (the file's chunks, rows and batches), pause-import.ts (waiting while writes are
 * refused), write-import-batches.ts (the batches' units of work), finish-import.ts (the end and its audit entry),
 * import-job-context.ts (what they share, and the units of work that wait out a busy or unreachable database).
 */
import { IMPORT_BATCH_SIZE, IMPORT_JOBS_PER_PROCESS, IMPORT_LEASE_MS } from "../domain/import-job";
import { jobUnitsOfWork, type ImportJobContext, type ImportRunnerDeps } from "./import-job-context";
import { takeUpImportJob } from "./lease-import-job";
import { runImportJob } from "./run-import-job";

export type { ImportRowSchema, ImportRunnerDeps } from "./import-job-context";

/** How often a paused job asks the flags again (an evaluation in memory: no database work). */
export const IMPORT_PAUSE_CHECK_MS = 1_000;

export interface ImportRunner {
  /** Takes the job up in the background, unless someone holds it or it is finished. */
  kick(jobId: string): void;
  /** Takes up every job nobody holds (start-up, then periodically): returns how many it took. */
  resumeUnheld(): Promise<number>;
  /** Resumes at once, then every `intervalMs` (a replica picks up what another one dropped). */
  start(intervalMs?: number): void;
  /** Resolves when no job of this process runs (for tests and benchmarks). */
  idle(): Promise<void>;
  /**
   * Stops: takes no new job or batch, lets running batches finish, gives up the leases of cut jobs (so the next
   * start, or another replica, resumes them at once), and aborts {@link stopping}. Idempotent.
   */
  stop(): Promise<void>;
  /** Aborted when {@link stop} begins: progress streams end with it. */
  readonly stopping: AbortSignal;
}

/**
 * The worker loop: takes jobs up to the cap (`kick`, and a sweep for jobs nobody holds), works on each in the
 * background (run-import-job.ts), and stops them at shutdown.
 */
export function makeImportRunner(deps: ImportRunnerDeps): ImportRunner {
  const { unitOfWork, clock, pool, log } = deps;
  const maxJobs = deps.maxJobs ?? IMPORT_JOBS_PER_PROCESS;
  const stopper = new AbortController();
  const ctx: ImportJobContext = {
    jobWork: jobUnitsOfWork(unitOfWork, stopper.signal, log),
    unitOfWork,
    clock,
    pool,
    csv: deps.csv,
    rowSchema: deps.rowSchema,
    log,
    batchSize: deps.batchSize ?? IMPORT_BATCH_SIZE,
    leaseMs: deps.leaseMs ?? IMPORT_LEASE_MS,
    pauseReason: deps.pauseReason,
    pauseCheckMs: deps.pauseCheckMs ?? IMPORT_PAUSE_CHECK_MS,
    stopping: stopper.signal,
  };
  const active = new Map<string, Promise<void>>();
  /** Looks for waiting jobs after one ended: idle() waits for them too. */
  const sweeps = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;

  function kick(jobId: string): void {
    // A job beyond the cap stays queued in the database: the next free slot (below) or sweep takes it.
    if (stopper.signal.aborted || active.has(jobId) || active.size >= maxJobs) return;
    const running = work(jobId)
      .catch((error: unknown) => log.error({ err: error, importId: jobId }, "import job failed unexpectedly"))
      .finally(() => {
        active.delete(jobId);
        // A slot is free: take up a job that waits, rather than leave it to the next sweep.
        const sweep: Promise<unknown> = resumeUnheld()
          .catch((error: unknown) => log.error({ err: error }, "looking for import jobs to resume failed"))
          .finally(() => sweeps.delete(sweep));
        sweeps.add(sweep);
      });
    active.set(jobId, running);
  }

  async function work(jobId: string): Promise<void> {
    const held = await takeUpImportJob(ctx, jobId);
    if (!held) return;
    try {
      await runImportJob(ctx, held);
    } finally {
      held.stopRenewing();
    }
  }

  async function resumeUnheld(): Promise<number> {
    const free = maxJobs - active.size;
    if (stopper.signal.aborted || free <= 0) return 0;
    const ids = await unitOfWork.run(({ imports }) => imports.findUnheld(clock.now(), maxJobs));
    const fresh = ids.filter((id) => !active.has(id)).slice(0, free);
    for (const id of fresh) kick(id);
    return fresh.length;
  }

  return {
    kick,
    resumeUnheld,
    start(intervalMs = ctx.leaseMs) {
      if (timer || stopper.signal.aborted) return;
      const sweep = () =>
        resumeUnheld().catch((error: unknown) => log.error({ err: error }, "looking for import jobs to resume failed"));
      void sweep();
      timer = setInterval(sweep, intervalMs);
      timer.unref();
    },
    async idle() {
      while (active.size > 0 || sweeps.size > 0) await Promise.all([...active.values(), ...sweeps]);
    },
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        stopper.abort(new Error("The server is shutting down"));
        await pool.shutdown();
        await Promise.all([...active.values()]);
      })();
      return stopped;
    },
    stopping: stopper.signal,
  };
}
