import { ImportNotFoundError } from "../domain/errors";
import { NO_PROGRESS, type ImportJob, type ImportProgress, type ImportRowError } from "../domain/import-job";
import { decodeCreatedAtCursor, encodeCreatedAtCursor } from "../domain/page-cursor";
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
        const after = query.cursor === undefined ? undefined : decodeCreatedAtCursor(query.cursor, "not a cursor of the import listing");
        const jobs = await imports.list({ limit: query.limit + 1, after });
        const page = jobs.slice(0, query.limit);
        const progress = await imports.progressMany(page.map((job) => job.id));
        const items = page.map((job) => ({ job, progress: progress.get(job.id) ?? NO_PROGRESS }));
        const last = page.at(-1);
        return { items, nextCursor: jobs.length > query.limit && last ? encodeCreatedAtCursor(last) : null };
      },
      { signal: context.signal },
    );
}

