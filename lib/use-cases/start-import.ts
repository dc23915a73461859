import { createHash } from "node:crypto";

import { z } from "zod";

import { actorOf } from "../domain/auth";
import { ImportFileInvalidError, ImportNotFoundError } from "../domain/errors";
import { IMPORT_COLUMNS, IMPORT_REQUIRED_COLUMNS, type ImportJob } from "../domain/import-job";
import { assertMayCreateUser } from "../domain/user-rules";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import { CsvFormatError, type CsvReader } from "../ports/csv-reader";
import type { CallContext } from "./call-context";
import { runOnce } from "./idempotency";
import type { ImportRunner } from "./run-imports";

export interface StartImportInput {
  /** The file's text (the HTTP layer has checked its size and that it is UTF-8). */
  content: string;
  filename: string | null;
  sizeBytes: number;
}

export type StartImport = (
  input: StartImportInput,
  options: { idempotencyKey?: string },
  context: CallContext,
) => Promise<{ job: ImportJob; replayed: boolean }>;

/**
 * Accepts a CSV file as an import job: checks its header at once (a file that cannot be imported at all is 422,
 * not a failed job), stores job and file in one unit of work, and hands the job to the runner. With an
 * idempotency key, the same file sent again gets the same job and nothing runs twice.
 */
export function makeStartImport(deps: { unitOfWork: UnitOfWork; clock: Clock; csv: CsvReader; runner: ImportRunner }): StartImport {
  return async (input, options, context) => {
    // Anyone who may create VIEWERs may import; rows asking for other roles are refused row by row.
    assertMayCreateUser(context.principal, "VIEWER");
    await assertImportable(deps.csv, input.content);
    const sha256 = createHash("sha256").update(input.content).digest("hex");
    const result = await deps.unitOfWork.run(
      async (repos) => {
        const create = async () =>
          (
            await repos.imports.create({
              actor: actorOf(context.principal),
              actorRole: context.principal.role,
              filename: input.filename,
              sha256,
              sizeBytes: input.sizeBytes,
              content: input.content,
              requestId: context.requestId,
              traceId: context.traceId,
            })
          ).id;
        const key = options.idempotencyKey;
        const once =
          key === undefined
            ? { value: await create(), replayed: false }
            : await runOnce(
                repos,
                // The file's bytes decide (the name it was sent under does not): the same file is the same request.
                { key, operation: "import.create", input: { sha256 }, context, now: deps.clock.now() },
                { toJson: (id) => id, fromJson: (json) => z.string().parse(json) },
                create,
              );
        const job = await repos.imports.get(once.value);
        if (!job) throw new ImportNotFoundError(once.value);
        return { job, replayed: once.replayed };
      },
      { signal: context.signal },
    );
    deps.runner.kick(result.job.id);
    return result;
  };
}

/** @throws ImportFileInvalidError for a file without a usable header row. */
async function assertImportable(csv: CsvReader, content: string): Promise<void> {
  const reading = csv.read(content);
  const records = reading.records[Symbol.asyncIterator]();
  try {
    await records.next();
  } catch (error) {
    if (error instanceof CsvFormatError) throw new ImportFileInvalidError(`The file is not valid CSV: ${error.message}`);
    throw error;
  } finally {
    await records.return?.();
  }
  const columns = await reading.columns;
  if (columns.length === 0) throw new ImportFileInvalidError("The file is empty: send a header row (email,name,role,status) and rows");
  const known: readonly string[] = IMPORT_COLUMNS;
  const unknown = columns.filter((column) => !known.includes(column));
  const missing = IMPORT_REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  const repeated = columns.filter((column, i) => columns.indexOf(column) !== i);
  const problems = [
    ...(missing.length ? [`missing column(s) ${missing.join(", ")}`] : []),
    ...(unknown.length ? [`unknown column(s) ${unknown.map((c) => JSON.stringify(c.slice(0, 50))).join(", ")}`] : []),
    ...(repeated.length ? [`repeated column(s) ${repeated.join(", ")}`] : []),
  ];
  if (problems.length) {
    throw new ImportFileInvalidError(
      `The header row must name the columns email and name, and may name role and status: ${problems.join("; ")}`,
    );
  }
}
