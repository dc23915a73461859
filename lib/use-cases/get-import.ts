import { z } from "zod";

import { ImportNotFoundError, InvalidCursorError } from "../domain/errors";
import { isFinished, NO_PROGRESS, type ImportJob, type ImportProgress, type ImportRowError } from "../domain/import-job";
import { sleepUnlessAborted } from "../domain/until-aborted";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";

export interface ImportView {
  job: ImportJob;
  progress: ImportProgress;
  errors: ImportRowError[];
  /** Pass as `errorsAfter` for the next errors; null when these were the last. */
  nextErrorsAfter: number | null;
}

export type GetImport = (
  id: string,
  query: { errorsAfter?: number; errorsLimit: number },
  context: CallContext,
) => Promise<ImportView>;

export function makeGetImport({ unitOfWork }: { unitOfWork: UnitOfWork }): GetImport {
  return (id, query, context) =>
    unitOfWork.run(
      async ({ imports }) => {
        const job = await imports.get(id);
        if (!job) throw new ImportNotFoundError(id);
        const progress = await imports.progress(id);
        const errors = await imports.rowErrors(id, { afterLine: query.errorsAfter, limit: query.errorsLimit + 1 });
        const page = errors.slice(0, query.errorsLimit);
        const last = page.at(-1);
        return { job, progress, errors: page, nextErrorsAfter: errors.length > query.errorsLimit && last ? last.line : null };
      },
      { signal: context.signal },
    );
}

export type ListImports = (
  query: { limit: number; cursor?: string },
  context: CallContext,
) => Promise<{ items: { job: ImportJob; progress: ImportProgress }[]; nextCursor: string | null }>;

export function makeListImports({ unitOfWork }: { unitOfWork: UnitOfWork }): ListImports {
  return (query, context) =>
    unitOfWork.run(
      async ({ imports }) => {
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        const jobs = await imports.list({ limit: query.limit + 1, after });
        const page = jobs.slice(0, query.limit);
        const progress = await imports.progressMany(page.map((job) => job.id));
        const items = page.map((job) => ({ job, progress: progress.get(job.id) ?? NO_PROGRESS }));
        const last = page.at(-1);
        return { items, nextCursor: jobs.length > query.limit && last ? encodeCursor(last) : null };
      },
      { signal: context.signal },
    );
}

const cursorPayload = z.strictObject({ t: z.iso.datetime(), id: z.uuid() });

function encodeCursor(job: ImportJob): string {
  return Buffer.from(JSON.stringify({ t: job.createdAt.toISOString(), id: job.id })).toString("base64url");
}

function decodeCursor(cursor: string) {
  try {
    const parsed = cursorPayload.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    return { createdAt: new Date(parsed.t), id: parsed.id };
  } catch {
    throw new InvalidCursorError("not a cursor of the import listing");
  }
}

export interface ImportSnapshot {
  status: ImportJob["status"];
  rowsDone: number;
  created: number;
  failed: number;
  total: number | null;
  /** Over the last few seconds this watcher saw; null until it has two samples. */
  rowsPerSecond: number | null;
  /** Seconds left at that rate; null when the total or the rate is unknown. */
  etaSeconds: number | null;
  error: string | null;
}

export type WatchImport = (
  id: string,
  options: { intervalMs?: number; signal: AbortSignal },
  context: CallContext,
) => AsyncGenerator<ImportSnapshot>;

/**
 * Progress of a job, read from the database every `intervalMs` (so it works whichever replica runs the job),
 * until the job ends (its last snapshot is the final one) or `signal` aborts.
 * @throws ImportNotFoundError before the first snapshot when there is no such job.
 */
export function makeWatchImport({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): WatchImport {
  return async function* (id, options, context) {
    const intervalMs = options.intervalMs ?? 500;
    const samples: { at: number; rows: number }[] = [];
    for (;;) {
      const { job, progress } = await unitOfWork.run(
        async ({ imports }) => {
          const found = await imports.get(id);
          if (!found) throw new ImportNotFoundError(id);
          return { job: found, progress: await imports.progress(id) };
        },
        { signal: options.signal },
      );
      const at = clock.now().getTime();
      samples.push({ at, rows: progress.rowsDone });
      while (samples.length > 2 && at - (samples[0]?.at ?? at) > 5_000) samples.shift();
      const first = samples[0];
      const rate = first && at > first.at ? ((progress.rowsDone - first.rows) * 1000) / (at - first.at) : null;
      const left = job.totalRows === null ? null : job.totalRows - progress.rowsDone;
      yield {
        status: job.status,
        rowsDone: progress.rowsDone,
        created: progress.created,
        failed: progress.failed,
        total: job.totalRows,
        rowsPerSecond: rate === null ? null : Math.round(rate),
        etaSeconds: rate && left !== null ? Math.ceil(left / rate) : left === 0 ? 0 : null,
        error: job.error,
      };
      if (isFinished(job.status) || options.signal.aborted || context.signal?.aborted) return;
      const stop = await sleepUnlessAborted(intervalMs, options.signal);
      if (stop) return;
    }
  };
}
