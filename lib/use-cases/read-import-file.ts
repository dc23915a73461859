/**
 * Reading an import job's file (lib/use-cases/run-imports.ts): a chunk at a time from the database (issue 18,
 * item 7), never whole; its rows validated and cut into numbered batches, the same ones on every pass, so a
 * resumed job skips exactly the batches that committed.
 */
import type { Principal } from "../domain/auth";
import { uploaderOf, type ImportBatchRecord, type ImportJob, type ImportRowError } from "../domain/import-job";
import { normalizeEmail, type NewUser } from "../domain/user";
import { assertMayCreateUser } from "../domain/user-rules";
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
  const principal = uploaderOf(job);
  const firstLineOf = new Map<string, number>();
  let batch: ParsedBatch | null = null;
  let index = 0;
  for await (const { line, fields, extraFields } of csv.read(content).records) {
    batch ??= { record: { batchNo: Math.floor(index / batchSize), firstLine: line, lastLine: line, rows: 0 }, valid: [], errors: [] };
    batch.record = { ...batch.record, lastLine: line, rows: batch.record.rows + 1 };
    const row = validateRow(ctx, fields, extraFields, principal);
    if (row.ok) {
      const earlier = firstLineOf.get(row.user.email);
      if (earlier !== undefined) {
        batch.errors.push({ line, email: row.user.email, reason: `Duplicate of line ${earlier} of this file` });
      } else {
        firstLineOf.set(row.user.email, line);
        batch.valid.push({ line, user: row.user });
      }
    } else {
      batch.errors.push({ line, email: row.email, reason: row.reason });
    }
    index++;
    if (batch.record.rows === batchSize) {
      yield batch;
      batch = null;
    }
  }
  if (batch) yield batch;
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
  const parsed = rowSchema.safeParse({
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
