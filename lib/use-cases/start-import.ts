import { createHash } from "node:crypto";

import { z } from "zod";

import { actorOf } from "../domain/auth";
import { ImportFileInvalidError, ImportNotFoundError } from "../domain/errors";
import { IMPORT_CHUNK_BYTES, IMPORT_COLUMNS, IMPORT_REQUIRED_COLUMNS, type ImportJob } from "../domain/import-job";
import { assertMayCreateUser } from "../domain/user-rules";
import type { Clock } from "../ports/clock";
import type { Logger } from "../ports/logger";
import type { UnitOfWork } from "../ports/unit-of-work";
import { CsvFormatError, type CsvReader } from "../ports/csv-reader";
import type { CallContext } from "./call-context";
import type { ConcurrencyCaps, ConcurrencySlots } from "./concurrency-slots";
import { runOnce } from "./idempotency";
import type { ImportRunner } from "./run-imports";

export interface StartImportInput {
  /**
   * The file's bytes as they arrive: reading them reads the request body, and may throw (413 past the size limit,
   * the client gone), which ends the upload with nothing stored.
   */
  bytes: AsyncIterable<Uint8Array>;
  /** The name the file was sent under; known once `bytes` has been read (multipart names it in its part). */
  filename(): string | null;
}

export type StartImport = (
  input: StartImportInput,
  options: { idempotencyKey?: string },
  context: CallContext,
) => Promise<{ job: ImportJob; replayed: boolean }>;

/**
 * Uploads at once (issue 18, item 7). Each holds about one chunk (IMPORT_CHUNK_BYTES) in memory while it streams,
 * and writes a chunk per unit of work: the process's cap bounds that memory and the database work, the
 * principal's keeps one caller from taking every slot.
 */
export const IMPORT_UPLOAD_CAPS: ConcurrencyCaps = { perPrincipal: 2, perProcess: 4, retryAfterSeconds: 10 };

/**
 * Accepts a CSV file as an import job, streamed into the database as it arrives (issue 18, item 7): the file is
 * checked on the way (UTF-8 text without NUL, a usable header row in its first chunk: a file that cannot be
 * imported at all is 422, not a failed job) and stored chunk by chunk, each chunk in a unit of work of its own,
 * so no process ever holds the whole file; then the job is created on it in one unit of work and handed to the
 * runner. With an idempotency key, the same file sent again gets the same job and nothing runs twice (its second
 * copy is dropped). Uploads are capped per principal and per process: past a cap, 429 before any byte is read.
 */
export function makeStartImport(deps: {
  unitOfWork: UnitOfWork;
  clock: Clock;
  csv: CsvReader;
  runner: ImportRunner;
  uploads: ConcurrencySlots;
  log: Logger;
}): StartImport {
  return async (input, options, context) => {
    // Anyone who may create VIEWERs may import; rows asking for other roles are refused row by row.
    assertMayCreateUser(context.principal, "VIEWER");
    const release = deps.uploads.acquire(context.principal);
    try {
      const uploadId = await deps.unitOfWork.run(({ imports }) => imports.beginUpload(deps.clock.now()), { signal: context.signal });
      let attached = false;
      try {
        const file = await storeChunks(deps, uploadId, input.bytes, context.signal);
        const result = await deps.unitOfWork.run(
          async (repos) => {
            const create = async () =>
              (
                await repos.imports.create({
                  actor: actorOf(context.principal),
                  actorRole: context.principal.role,
                  filename: input.filename(),
                  sha256: file.sha256,
                  sizeBytes: file.sizeBytes,
                  uploadId,
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
                    { key, operation: "import.create", input: { sha256: file.sha256 }, context, now: deps.clock.now() },
                    { toJson: (id) => id, fromJson: (json) => z.string().parse(json) },
                    create,
                  );
            const job = await repos.imports.get(once.value);
            if (!job) throw new ImportNotFoundError(once.value);
            return { job, replayed: once.replayed };
          },
          { signal: context.signal },
        );
        attached = !result.replayed;
        deps.runner.kick(result.job.id);
        return result;
      } finally {
        // Refused, cut short, or a replay whose job has the file already: this copy goes. Without the request's
        // signal (it may be why we are here); should it fail, the periodic clean-up deletes the upload later.
        if (!attached) {
          await deps.unitOfWork
            .run(({ imports }) => imports.discardUpload(uploadId))
            .catch((error: unknown) => deps.log.warn({ err: error, uploadId }, "dropping an unused import upload failed"));
        }
      }
    } finally {
      release();
    }
  };
}

/**
 * Reads the upload through, checking it on the way ({@link importChunks}), and stores it chunk by chunk; the first
 * chunk's header is checked before anything is stored.
 * @throws ImportFileInvalidError for bytes that are not UTF-8, a NUL, or a first chunk without a usable header.
 */
async function storeChunks(
  deps: { unitOfWork: UnitOfWork; csv: CsvReader },
  uploadId: string,
  bytes: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash("sha256");
  let sizeBytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const piece of bytes) {
      hash.update(piece);
      sizeBytes += piece.byteLength;
      yield piece;
    }
  }
  let chunkNo = 0;
  for await (const { text, last } of importChunks(counted())) {
    if (chunkNo === 0) await assertImportable(deps.csv, text, last);
    if (text === "") continue;
    const n = chunkNo++;
    await deps.unitOfWork.run(({ imports }) => imports.appendChunk(uploadId, n, text), { signal });
  }
  return { sha256: hash.digest("hex"), sizeBytes };
}

/**
 * An upload's text, in chunks of about IMPORT_CHUNK_BYTES, each of whole characters (decoded as they come, so a
 * chunk never splits one); the last one, which may be empty, says so. The bytes are checked as they pass: an
 * import (and its preview, preview-import.ts) refuses the same files.
 * @throws ImportFileInvalidError for bytes that are not UTF-8, or a NUL.
 */
export async function* importChunks(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<{ text: string; last: boolean }> {
  // fatal: a file that is not UTF-8 is refused, not silently repaired with U+FFFD.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decode = (piece?: Uint8Array) => {
    try {
      return piece ? decoder.decode(piece, { stream: true }) : decoder.decode();
    } catch {
      throw new ImportFileInvalidError("The file is not UTF-8 text: save it as CSV UTF-8");
    }
  };
  let pieces: string[] = [];
  let pendingBytes = 0;
  for await (const piece of bytes) {
    // Valid UTF-8, but not text, and PostgreSQL cannot store it. In UTF-8 a 0 byte is always NUL.
    if (piece.includes(0)) throw new ImportFileInvalidError("The file contains a NUL character (byte 0): it is not a text CSV file");
    pieces.push(decode(piece));
    pendingBytes += piece.byteLength;
    if (pendingBytes >= IMPORT_CHUNK_BYTES) {
      yield { text: pieces.join(""), last: false };
      pieces = [];
      pendingBytes = 0;
    }
  }
  pieces.push(decode());
  yield { text: pieces.join(""), last: true };
}

/**
 * The check an upload's first chunk passes before anything is stored; a preview (preview-import.ts) makes it too.
 * @param head the file's first chunk; `whole` when it is the whole file.
 * @throws ImportFileInvalidError for a file without a usable header row.
 */
export async function assertImportable(csv: CsvReader, head: string, whole: boolean): Promise<void> {
  const reading = csv.read(head);
  const records = reading.records[Symbol.asyncIterator]();
  try {
    await records.next();
  } catch (error) {
    // A chunk may end inside a quoted field of the first row: only the whole file can be malformed here.
    if (error instanceof CsvFormatError && whole) throw new ImportFileInvalidError(`The file is not valid CSV: ${error.message}`);
    if (!(error instanceof CsvFormatError)) throw error;
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
