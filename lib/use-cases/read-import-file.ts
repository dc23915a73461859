/**
 * Reading an import job's file (lib/use-cases/run-imports.ts): a chunk at a time from the database (issue 18,
 * item 7), never whole; its rows validated and cut into numbered batches, the same ones on every pass, so a
 * resumed job skips exactly the batches that committed.
 */
import { z } from "zod";

import type { Principal } from "../domain/auth";
import { uploaderOf, type ImportBatchRecord, type ImportJob, type ImportRowError } from "../domain/import-job";
import { normalizeEmail, type NewUser } from "../domain/user";
import { assertMayCreateUser } from "../domain/user-rules";
import type { CsvRecord } from "../ports/csv-reader";
import type { ImportJobContext } from "./import-job-context";

/** A batch of rows ready to write: the users to create, and the rows already refused. */
export interface ParsedBatch {
  record: Omit<ImportBatchRecord, "created" | "failed">;
  valid: { line: number; user: NewUser }[];
  errors: ImportRowError[];
}

/** The job's file, a chunk at a time from the database. */
export async function* importFileText({ jobWork }: Pick<ImportJobContext, "jobWork">, jobId: string, chunks: number): AsyncGenerator<string> {
  for (let n = 0; n < chunks; n++) {
    const text = await jobWork.run(({ imports }) => imports.fileChunk(jobId, n));
    if (text === null) throw new Error(`Chunk ${n} of the file of import ${jobId} is missing`);
    yield text;
  }
}

/** The file's data rows. @throws CsvFormatError when the file is not valid CSV. */
export async function countImportRows({ csv }: Pick<ImportJobContext, "csv">, content: AsyncIterable<string>): Promise<number> {
  let n = 0;
  for await (const _record of csv.read(content).records) n++;
  return n;
}

/** The file's rows, validated, cut into numbered batches. Deterministic, so a resumed job cuts the same ones. */
export async function* importBatches(
  ctx: Pick<ImportJobContext, "csv" | "rowSchema" | "batchSize">,
  job: ImportJob,
  content: AsyncIterable<string>,
): AsyncGenerator<ParsedBatch> {
  const { csv, batchSize } = ctx;
  let batch: ParsedBatch | null = null;
  let index = 0;
  for await (const row of judgeImportRows(ctx, uploaderOf(job), csv.read(content).records)) {
    const { line } = row;
    batch ??= { record: { batchNo: Math.floor(index / batchSize), firstLine: line, lastLine: line, rows: 0 }, valid: [], errors: [] };
    batch.record = { ...batch.record, lastLine: line, rows: batch.record.rows + 1 };
    if (row.ok) batch.valid.push({ line, user: row.user });
    else batch.errors.push(row.error);
    index++;
    if (batch.record.rows === batchSize) {
      yield batch;
      batch = null;
    }
  }
  if (batch) yield batch;
}

/** A row of the file as the import judges it before writing: the user it would create, or why it creates none. */
export type JudgedRow = { line: number; fields: Record<string, string> } & (
  | { ok: true; user: NewUser }
  | { ok: false; error: ImportRowError }
);

/**
 * The rows judged one by one, as the import judges them before writing (issue 6): the rules of POST /users
 * (`rowSchema`), who may create which role (as `uploader`), and a repeat of an earlier row's email. Whether a user
 * has the email already is the database's to say ({@link takenEmailErrors}). The preview (preview-import.ts) judges
 * its rows here too, so it reports what the import will.
 */
export async function* judgeImportRows(
  ctx: Pick<ImportJobContext, "rowSchema">,
  uploader: Principal,
  records: AsyncIterable<CsvRecord> | Iterable<CsvRecord>,
): AsyncGenerator<JudgedRow> {
  const firstLineOf = new Map<string, number>();
  for await (const { line, fields, extraFields } of records) {
    const row = validateRow(ctx, fields, extraFields, uploader);
    if (!row.ok) {
      yield { line, fields, ok: false, error: { line, email: row.email, reason: row.reason } };
      continue;
    }
    const earlier = firstLineOf.get(row.user.email);
    if (earlier !== undefined) {
      yield { line, fields, ok: false, error: { line, email: row.user.email, reason: `Duplicate of line ${earlier} of this file` } };
    } else {
      firstLineOf.set(row.user.email, line);
      yield { line, fields, ok: true, user: row.user };
    }
  }
}

/**
 * The errors of the rows whose email some user has already (deleted or not: the email stays reserved), given the
 * `taken` emails the database found: such a row creates nothing, is never an update, and is reported so.
 */
export function takenEmailErrors(valid: readonly { line: number; user: NewUser }[], taken: Iterable<string>): ImportRowError[] {
  const takenSet = new Set(taken);
  return valid
    .filter((row) => takenSet.has(row.user.email))
    .map((row) => ({ line: row.line, email: row.user.email, reason: "A user with this email already exists" }));
}

function validateRow(
  { rowSchema }: Pick<ImportJobContext, "rowSchema">,
  fields: Record<string, string>,
  extraFields: number,
  principal: Principal,
): { ok: true; user: NewUser } | { ok: false; email: string | null; reason: string } {
  const email = fields.email?.trim() ?? "";
  const reportedEmail = email === "" ? null : email.toLowerCase().slice(0, 320);
  if (extraFields > 0) {
    const reason = `row: ${extraFields} field(s) more than the header has (a comma in a value must be inside quotes)`;
    return { ok: false, email: reportedEmail, reason };
  }
  const role = fields.role?.trim().toUpperCase();
  const status = fields.status?.trim().toUpperCase();
  const parsed = z.safeParse(rowSchema, {
    email,
    name: fields.name ?? "",
    // Empty cells take the defaults (VIEWER, ACTIVE), as omitted fields do in POST /users.
    ...(role && { role }),
    ...(status && { status }),
  });
  if (!parsed.success) {
    const reason = parsed.error.issues
      .map((issue) => `${issue.path.map(String).join(".") || "row"}: ${issue.message}`)
      .join("; ");
    return { ok: false, email: reportedEmail, reason };
  }
  try {
    assertMayCreateUser(principal, parsed.data.role);
  } catch (error) {
    return { ok: false, email: reportedEmail, reason: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, user: { ...parsed.data, email: normalizeEmail(parsed.data.email) } };
}
