/**
 * Writing an import job's batches through the bounded worker pool (lib/use-cases/run-imports.ts), each batch one
 * unit of work: the users whose email is free, one audit entry per created user (the house rule: every change has
 * its own record, found by the user's id on the audit page), the row errors, and the batch's record. The parser
 * waits while the pool is full.
 */
import { NamedError } from "../domain/errors";
import type { ImportJob } from "../domain/import-job";
import { ImportBatchRecordedError, ImportLeaseLostError } from "../ports/import-job-repository";
import { WorkerPoolClosedError } from "../ports/worker-pool";
import type { ImportJobContext } from "./import-job-context";
import type { PauseTracker } from "./pause-import";
import { importBatches, takenEmailErrors, type ParsedBatch } from "./read-import-file";

/**
 * How a pass over the file ended: every batch recorded (`done`), writes refused (`paused`), a shutdown (`cut`),
 * the job taken over by another process (`lost`), or a batch that failed.
 */
export type WriteOutcome = "done" | "paused" | "cut" | "lost" | { failure: unknown };

/**
 * One pass over the file, writing the batches not recorded yet. Stops submitting at the first failure, a
 * shutdown, or writes refused (`paused`: each batch asks just before its unit of work, so none starts after the
 * flags refuse); batches already writing finish either way.
 */
export async function writeImportBatches(
  ctx: ImportJobContext,
  job: ImportJob,
  holder: string,
  file: () => AsyncIterable<string>,
  pauses: PauseTracker,
): Promise<WriteOutcome> {
  const { jobWork, pool, stopping } = ctx;
  const recorded = new Set(await jobWork.run(({ imports }) => imports.recordedBatches(job.id)));
  const inFlight: Promise<void>[] = [];
  let firstFailure: unknown;
  let cut = false;
  let paused = false;
  const submit = async (batch: ParsedBatch) => {
    if (recorded.has(batch.record.batchNo)) return;
    await pool.whenReady(); // backpressure: the parser waits while the pool's queue is full
    if (pool.closed || stopping.aborted) {
      cut = true;
      return;
    }
    if (await pauses.refused()) {
      paused = true;
      return;
    }
    inFlight.push(
      pool
        .run(async () => {
          if (await pauses.refused()) throw new PausedSignal();
          await writeBatch(ctx, job, holder, batch);
        })
        .catch((error: unknown) => {
          // Recorded meanwhile by the process that held the job before this one: done, whoever did it.
          if (error instanceof ImportBatchRecordedError) return;
          if (error instanceof PausedSignal) paused = true;
          // Stopped meanwhile (a batch waiting out an outage gives up then): cut, for the next start to resume.
          else if (error instanceof WorkerPoolClosedError || stopping.aborted) cut = true;
          else firstFailure ??= error;
        }),
    );
  };
  for await (const batch of importBatches(ctx, job, file())) {
    await submit(batch);
    if (cut || paused || firstFailure !== undefined) break;
  }
  await Promise.all(inFlight);
  if (firstFailure instanceof ImportLeaseLostError) return "lost";
  if (firstFailure !== undefined) return { failure: firstFailure };
  if (cut) return "cut";
  return paused ? "paused" : "done";
}

/** One batch in one unit of work: its users, their audit entries, its row errors and its record. */
async function writeBatch({ jobWork }: ImportJobContext, job: ImportJob, holder: string, batch: ParsedBatch): Promise<void> {
  await jobWork.run(async ({ users, audit, imports }) => {
    // A process that lost the job stops writing. Should the job be taken over between this read and the commit,
    // the batch still lands once: its record's key refuses a second copy, and the new holder skips it.
    if (!(await imports.isHeldBy(job.id, holder))) throw new ImportLeaseLostError(job.id);
    const { created, taken } = await users.createMany(batch.valid.map((row) => row.user));
    const errors = [...batch.errors, ...takenEmailErrors(batch.valid, taken)].sort((a, b) => a.line - b.line);
    await audit.appendMany(
      created.map((user) => ({
        action: "user.created",
        actor: job.actor,
        target: { type: "user" as const, id: user.id },
        data: { after: { email: user.email, name: user.name, role: user.role, status: user.status }, importId: job.id },
        requestId: job.requestId,
        traceId: job.traceId,
      })),
    );
    await imports.recordBatch(job.id, { ...batch.record, created: created.length, failed: errors.length }, errors);
  });
}

/** A batch that found writes refused before its unit of work began: it wrote nothing, and the job pauses. */
class PausedSignal extends NamedError {
  constructor() {
    super("Writes are refused for this import's uploader", { name: "PausedSignal" });
  }
}
