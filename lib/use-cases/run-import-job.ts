/**
 * One import job from take-up to its end (lib/use-cases/run-imports.ts): count its rows once, write its batches
 * while writes are allowed, pausing while they are not, and finish it; or leave it for the next start (a shutdown)
 * or for the process that took it over.
 */
import { CsvFormatError } from "../ports/csv-reader";
import { failImport, finishImport } from "./finish-import";
import type { ImportJobContext } from "./import-job-context";
import { giveUpImportLease, type HeldImportJob } from "./lease-import-job";
import { pauseTracker } from "./pause-import";
import { countImportRows, importFileText } from "./read-import-file";
import { writeImportBatches } from "./write-import-batches";

export async function runImportJob(ctx: ImportJobContext, { job, holder, lost }: HeldImportJob): Promise<void> {
  const { jobWork, log } = ctx;
  const chunks = await jobWork.run(({ imports }) => imports.fileChunks(job.id));
  if (chunks === null) return failImport(ctx, job, holder, "The file of this import is gone, so it cannot be resumed");
  const file = () => importFileText(ctx, job.id, chunks);
  let total = job.totalRows;
  if (total === null) {
    try {
      total = await countImportRows(ctx, file());
    } catch (error) {
      if (error instanceof CsvFormatError) return failImport(ctx, job, holder, `The file is not valid CSV: ${error.message}`);
      throw error;
    }
    const counted = total;
    await jobWork.run(({ imports }) => imports.setTotalRows(job.id, counted));
  }

  const pauses = pauseTracker(ctx, job, holder);
  const stop = AbortSignal.any([ctx.stopping, lost]);
  for (;;) {
    if (!(await pauses.untilWritable(stop))) {
      if (lost.aborted) return; // another process holds it now
      return giveUpImportLease(ctx, job, holder);
    }
    const outcome = await writeImportBatches(ctx, job, holder, file, pauses);
    if (outcome === "paused") continue;
    if (outcome === "cut") return giveUpImportLease(ctx, job, holder);
    if (outcome === "lost") {
      // Another process took the job over (this one's lease ran out): it finishes the job.
      log.warn({ importId: job.id }, "import taken over by another process");
      return;
    }
    if (outcome !== "done") {
      log.error({ err: outcome.failure, importId: job.id }, "an import batch failed");
      return failImport(ctx, job, holder, "Writing a batch failed; the rows of the batches that committed are imported, the others are not");
    }
    break;
  }
  const finished = await finishImport(ctx, job, holder, { status: "succeeded", totalRows: total, error: () => null });
  if (finished) log.info({ importId: job.id, total }, "import job finished");
  else log.warn({ importId: job.id }, "import taken over by another process before it could finish it");
}
