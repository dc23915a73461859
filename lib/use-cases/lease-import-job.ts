/**
 * Holding an import job (lib/use-cases/run-imports.ts): a lease in the database, so one process works on it.
 * Taken when the job is taken up, renewed while it runs, given up when a shutdown cuts it (for the next start, or
 * another replica, to resume it at once), or left to run out (a crash, an outage).
 */
import type { ImportJob } from "../domain/import-job";
import { isDatabaseUnavailable, leaseUntil, type ImportJobContext } from "./import-job-context";

/** A job this process took up; its lease is renewed in the background until {@link HeldImportJob.stopRenewing}. */
export interface HeldImportJob {
  job: ImportJob;
  /**
   * This take-up's own name on the lease: a process that lost the job (its lease ran out and another process
   * took over) can then no longer renew it, write batches or finish it.
   */
  holder: string;
  /** Aborted once renewing finds the job held by another process, or ended. */
  lost: AbortSignal;
  stopRenewing(): void;
}

/** Takes the job's lease and keeps renewing it; null when someone else holds it or it is finished. */
export async function takeUpImportJob(ctx: ImportJobContext, jobId: string): Promise<HeldImportJob | null> {
  const { jobWork, unitOfWork, clock, log, leaseMs } = ctx;
  const holder = crypto.randomUUID();
  const job = await jobWork.run(({ imports }) => imports.acquire(jobId, { now: clock.now(), leaseUntil: leaseUntil(ctx), holder }));
  if (!job) return null;
  log.info({ importId: jobId }, "import job taken up");
  const lost = new AbortController();
  const heartbeat = setInterval(() => {
    unitOfWork
      .run(({ imports }) => imports.setLease(jobId, holder, leaseUntil(ctx)))
      .then((held) => {
        if (held) return;
        // Taken over, or ended: its next batch finds out and stops; a paused job stops waiting.
        clearInterval(heartbeat);
        lost.abort();
      })
      .catch((error: unknown) => {
        // During a database outage the breaker has said so once; the job waits it out (jobUnitsOfWork).
        if (isDatabaseUnavailable(error)) log.debug({ importId: jobId }, "renewing an import's lease waits for the database");
        else log.warn({ err: error, importId: jobId }, "renewing an import's lease failed");
      });
  }, Math.max(10, Math.floor(leaseMs / 3)));
  heartbeat.unref();
  return { job, holder, lost: lost.signal, stopRenewing: () => clearInterval(heartbeat) };
}

/** Gives up the lease of a job a shutdown cut, so the next start (or another replica) resumes it at once. */
export async function giveUpImportLease({ unitOfWork, log }: ImportJobContext, job: ImportJob, holder: string): Promise<void> {
  try {
    await unitOfWork.run(({ imports }) => imports.setLease(job.id, holder, null));
    log.info({ importId: job.id }, "import cut by shutdown; its lease is given up for the next start to resume it");
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    log.info({ importId: job.id }, "import cut by shutdown during a database outage; resumed once its lease runs out");
  }
}
