/**
 * Ending an import job (lib/use-cases/run-imports.ts): its status and counts, with its `import.finished` audit
 * entry (and so its event, issue 20) in the same unit of work. Only the process that holds the job ends it.
 */
import type { ImportJob, ImportProgress } from "../domain/import-job";
import type { ImportJobContext } from "./import-job-context";

/**
 * Ends the job; false, and nothing written, when another process holds it now.
 */
export function finishImport(
  { jobWork, clock }: ImportJobContext,
  job: ImportJob,
  holder: string,
  outcome: { status: "succeeded" | "failed"; totalRows: number | null; error: (progress: ImportProgress) => string | null },
): Promise<boolean> {
  return jobWork.run(async ({ imports, audit }) => {
    const progress = await imports.progress(job.id);
    const { status, totalRows } = outcome;
    const error = outcome.error(progress);
    if (!(await imports.finish(job.id, holder, { status, totalRows, error, at: clock.now() }))) return false;
    await audit.append({
      action: "import.finished",
      actor: job.actor,
      target: { type: "import", id: job.id },
      data: { status, filename: job.filename, totalRows, rowsDone: progress.rowsDone, created: progress.created, failed: progress.failed, error },
      requestId: job.requestId,
      traceId: job.traceId,
    });
    return true;
  });
}

/** Ends the job as failed, for `reason`, saying what its committed batches created. */
export async function failImport(ctx: ImportJobContext, job: ImportJob, holder: string, reason: string): Promise<void> {
  const failed = await finishImport(ctx, job, holder, {
    status: "failed",
    totalRows: null,
    error: (progress) => `${reason}. ${progress.created} user(s) were created from ${progress.rowsDone} row(s) before it stopped.`,
  });
  if (failed) ctx.log.warn({ importId: job.id, reason }, "import job failed");
  else ctx.log.warn({ importId: job.id, reason }, "import taken over by another process; not marked failed here");
}
