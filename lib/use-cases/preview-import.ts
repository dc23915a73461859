import { ImportFileInvalidError } from "../domain/errors";
import { IMPORT_CHUNK_BYTES, IMPORT_PREVIEW_ROWS } from "../domain/import-job";
import { assertMayCreateUser } from "../domain/user-rules";
import { CsvFormatError, type CsvReader, type CsvRecord } from "../ports/csv-reader";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import type { ConcurrencySlots } from "./concurrency-slots";
import type { ImportRowSchema } from "./import-job-context";
import { judgeImportRows, takenEmailErrors, type JudgedRow } from "./read-import-file";
import { assertImportable, importChunks, type StartImportInput } from "./start-import";

/** A data row of the file as read, and the reason an import would give for creating no user from it (or null). */
export interface ImportPreviewRow {
  /** The file's line (1 is the header), as the import's error report numbers it. */
  readonly line: number;
  /** By column name, as the import reads them; a missing trailing cell is absent. */
  readonly fields: Readonly<Record<string, string>>;
  readonly problem: string | null;
}

export interface ImportPreview {
  /** The header's column names as the import reads them (trimmed, lower-cased); none when the file is refused. */
  readonly columns: readonly string[];
  /**
   * Why an import of the file would fail as a whole, or null; else no row is judged: the reason POST /imports
   * refuses it with (422 IMPORT_FILE_INVALID), or the one its job would fail with (rows that are not valid CSV).
   */
  readonly fileProblem: string | null;
  /** The first data rows (at most IMPORT_PREVIEW_ROWS), each judged as the import would judge it now. */
  readonly rows: readonly ImportPreviewRow[];
  /**
   * The file has data rows after these, or may have: it goes on past the part parsed (about its first 2 MB). They are
   * not judged here; the import reports their problems when it runs.
   */
  readonly moreRows: boolean;
}

export type PreviewImport = (input: Pick<StartImportInput, "bytes">, context: CallContext) => Promise<ImportPreview>;

/**
 * The dry run of an import (issue 23): what POST /imports would say of a file's first rows, said before anything
 * is written, and writing nothing. It goes the import's own way, piece by piece: the upload's checks of the bytes
 * and of the header in the first chunk (start-import.ts: a file refused here is one the upload refuses, in the same
 * words), the file's rows parsed as the job parses them, each judged by the same rules as the uploader
 * (read-import-file.ts: the schema of POST /users, who may create which role, repeats within the file), and
 * whether a user has the email already, asked of the database as the batch's insert would find it (deleted users
 * included). Only fewer: the first IMPORT_PREVIEW_ROWS rows are judged; the rest of the body is read through and
 * checked as text, never kept. A preview counts as an upload against the caps on uploads at once (it reads a body
 * of up to 20 MB too).
 *
 * The problems are those of the moment: a user created between the preview and the import makes that row's email
 * taken by the time the import runs.
 */
export function makePreviewImport(deps: {
  unitOfWork: UnitOfWork;
  csv: CsvReader;
  rowSchema: ImportRowSchema;
  uploads: ConcurrencySlots;
}): PreviewImport {
  return async (input, context) => {
    // Who may import may preview, and no one else: the same check as startImport's.
    assertMayCreateUser(context.principal, "VIEWER");
    const release = deps.uploads.acquire(context.principal);
    try {
      const read = await firstRecords(deps.csv, input.bytes, IMPORT_PREVIEW_ROWS);
      if ("refusal" in read) return { columns: [], fileProblem: read.refusal, rows: [], moreRows: false };
      const judged: JudgedRow[] = [];
      for await (const row of judgeImportRows(deps, context.principal, read.records)) judged.push(row);
      const valid = judged.flatMap((row) => (row.ok ? [{ line: row.line, user: row.user }] : []));
      const taken = valid.length === 0 ? [] : await takenEmails(deps.unitOfWork, valid.map((row) => row.user.email), context.signal);
      const problems = new Map(
        [...judged.flatMap((row) => (row.ok ? [] : [row.error])), ...takenEmailErrors(valid, taken)].map((error) => [error.line, error.reason]),
      );
      return {
        columns: read.columns,
        fileProblem: null,
        rows: judged.map(({ line, fields }) => ({ line, fields, problem: problems.get(line) ?? null })),
        moreRows: read.more,
      };
    } finally {
      release();
    }
  };
}

/**
 * Characters of the file's text the parser is given at most (about 2 MB): room for far more than the first rows of
 * any file an import takes (a row that creates a user is well under 1 kB), and a bound on what one preview's parse
 * holds, as an upload's memory is bounded (decision 015), however long a malformed file's first row runs.
 */
const PREVIEW_CHARACTERS = 2 * IMPORT_CHUNK_BYTES;

type FirstRecords = { columns: string[]; records: CsvRecord[]; more: boolean } | { refusal: string };

/**
 * Reads the whole upload as an upload is read (importChunks: checked as it passes, a chunk at a time, never kept),
 * its first chunk's header checked as the upload checks it, and parses its first `limit` data records meanwhile, as
 * the job parses the file; the rest is then read through and dropped, so the answer comes once the request is read,
 * as every other answer does. A refusal is the first thing the upload would refuse the file for, whatever the parse
 * made of the text before it: its bytes (not UTF-8, a NUL), its header; then a parse the job would fail on.
 */
async function firstRecords(csv: CsvReader, bytes: AsyncIterable<Uint8Array>, limit: number): Promise<FirstRecords> {
  const chunks = importChunks(bytes);
  let refusal: unknown;
  /** The parse is over: `text` hands out no more (its reader may still ask, reading ahead). */
  let parsed = false;
  /** The text handed to the parser was cut at PREVIEW_CHARACTERS. */
  let cut = false;
  /** ... and in the middle of a row: the last record parsed is cut short. */
  let cutMidRow = false;
  /** The last chunk `text` asked for: the rest is read from there once it has come, so a failure in it is not missed. */
  let pulling: Promise<unknown> = Promise.resolve();
  async function* text(): AsyncGenerator<string> {
    let handed = 0;
    let quoted = false;
    let endsRow = true;
    for (let first = true; !parsed; first = false) {
      const next = chunks.next();
      pulling = next;
      // A failure ends the text here; it is reported below, through `pulling`.
      const chunk = await next.catch(() => null);
      if (chunk === null || chunk.done) return;
      if (first) {
        try {
          await assertImportable(csv, chunk.value.text, chunk.value.last);
        } catch (error) {
          refusal ??= error;
          return;
        }
      }
      const piece = chunk.value.text.slice(0, PREVIEW_CHARACTERS - handed);
      handed += piece.length;
      // In CSV a quote opens or closes a quoted field, and an escaped one ("") does both.
      if ((piece.split('"').length - 1) % 2 === 1) quoted = !quoted;
      if (piece !== "") endsRow = !quoted && /[\r\n]$/.test(piece);
      yield piece;
      if (piece.length < chunk.value.text.length || (handed === PREVIEW_CHARACTERS && !chunk.value.last)) {
        cut = true;
        cutMidRow = !endsRow;
        // Ends a quoted field cut short too, so the parser ends its record rather than fail for the cut.
        yield quoted ? '"\n' : "\n";
        return;
      }
      if (chunk.value.last) return;
    }
  }
  const reading = csv.read(text());
  const records: CsvRecord[] = [];
  let parseFailure: unknown;
  try {
    for await (const record of reading.records) {
      records.push(record);
      if (records.length > limit) break; // one more than shown: the file has more rows
    }
  } catch (error) {
    // The job counts the rows before it writes any (countImportRows), and fails with this.
    parseFailure = error instanceof CsvFormatError ? new ImportFileInvalidError(`The file is not valid CSV: ${error.message}`) : error;
  }
  parsed = true;
  try {
    await pulling;
    for (let chunk = await chunks.next(); !chunk.done; chunk = await chunks.next());
  } catch (error) {
    refusal ??= error;
  }
  // What the upload refuses comes first: the job that would fail on the parse would never exist.
  refusal ??= parseFailure;
  if (refusal instanceof ImportFileInvalidError) return { refusal: refusal.message };
  if (refusal !== undefined) throw refusal;
  // Cut inside one of its first rows (rows far longer than any an import takes): that row is left to the import.
  if (cutMidRow && records.length <= limit) records.pop();
  return { columns: await reading.columns, records: records.slice(0, limit), more: cut || records.length > limit };
}

/**
 * The emails a user has already, deleted or not: those the batch's insert (UserRepository.createMany) would find
 * taken. Looked up by the unique index, in one unit of work that writes nothing.
 */
async function takenEmails(unitOfWork: UnitOfWork, emails: string[], signal: AbortSignal | undefined): Promise<string[]> {
  return unitOfWork.run(
    async ({ users }) => {
      const found = await Promise.all(emails.map((email) => users.getByEmail(email, { includeDeleted: true })));
      return found.flatMap((user) => (user ? [user.email] : []));
    },
    { signal },
  );
}
