/**
 * Pausing an import job while the flags refuse its uploader's writes (read-only mode, imports turned off: issue
 * 18, item 9): no batch starts, the reason is recorded on the job for every replica to show, and once writes are
 * allowed again it goes on from its committed batches (lib/use-cases/run-imports.ts).
 */
import { uploaderOf, type ImportJob, type ImportPause } from "../domain/import-job";
import { sleepUnlessAborted } from "../domain/until-aborted";
import type { ImportJobContext } from "./import-job-context";

export interface PauseTracker {
  /** Whether the flags refuse the uploader's writes now. */
  refused(): Promise<boolean>;
  /** Resolves true once writes are allowed (at once if they are), false when `stop` aborts first. */
  untilWritable(stop: AbortSignal): Promise<boolean>;
}

/**
 * Whether the job's writes are refused, and waiting until they are not: the pause is recorded on the job
 * (reason and since when) when it begins or its reason changes, and cleared when it ends.
 */
export function pauseTracker(ctx: ImportJobContext, job: ImportJob, holder: string): PauseTracker {
  const { jobWork, clock, log, pauseReason, pauseCheckMs } = ctx;
  const uploader = uploaderOf(job);
  let recorded: ImportPause | null = job.paused;
  const record = async (pause: ImportPause | null) => {
    await jobWork.run(({ imports }) => imports.setPaused(job.id, holder, pause));
    recorded = pause;
  };
  return {
    refused: async () => (await pauseReason(uploader)) !== null,
    async untilWritable(stop) {
      for (;;) {
        const reason = await pauseReason(uploader);
        if (reason === null) {
          if (recorded) {
            await record(null);
            log.info({ importId: job.id }, "import resumed: writes are allowed again");
          }
          return true;
        }
        if (recorded?.reason !== reason) {
          await record({ reason, since: clock.now() });
          log.info({ importId: job.id, reason }, "import paused: its uploader's writes are refused");
        }
        if (await sleepUnlessAborted(pauseCheckMs, stop)) return false;
      }
    },
  };
}
