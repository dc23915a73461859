import { ImportNotFoundError } from "../domain/errors";
import type { ImportRowError } from "../domain/import-job";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";

/** Row errors per page of the report: one unit of work each. */
export const IMPORT_ERRORS_PAGE = 1_000;

export type ImportErrorPages = AsyncGenerator<readonly ImportRowError[], undefined>;
export type ExportImportErrors = (id: string, context: CallContext) => Promise<ImportErrorPages>;

/**
 * An import's row errors by line, a page at a time, for GET /imports/{id}/errors.csv. The job is looked up (404)
 * and the first page read before this resolves, so those failures are answered before the response starts; each
 * later page is read when the client has taken the previous one, under the caller's signal.
 */
export function makeExportImportErrors({ unitOfWork }: { unitOfWork: UnitOfWork }): ExportImportErrors {
  return async (id, context) => {
    const readPage = (afterLine?: number) =>
      unitOfWork.run(({ imports }) => imports.rowErrors(id, { afterLine, limit: IMPORT_ERRORS_PAGE }), { signal: context.signal });
    const first = await unitOfWork.run(
      async ({ imports }) => {
        if (!(await imports.get(id))) throw new ImportNotFoundError(id);
        return imports.rowErrors(id, { limit: IMPORT_ERRORS_PAGE });
      },
      { signal: context.signal },
    );
    return (async function* pages() {
      let page = first;
      for (;;) {
        if (page.length > 0) yield page;
        const last = page.at(-1);
        if (page.length < IMPORT_ERRORS_PAGE || !last) return undefined;
        page = await readPage(last.line);
      }
    })();
  };
}
