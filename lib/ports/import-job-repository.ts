import type { Actor } from "../domain/auth";
import { NamedError } from "../domain/errors";
import type {
  ImportBatchRecord,
  ImportJob,
  ImportJobCursor,
  ImportPause,
  ImportProgress,
  ImportRowError,
} from "../domain/import-job";
import type { Role } from "../domain/user";

export interface NewImportJob {
  actor: Actor;
  actorRole: Role;
  filename: string | null;
  sha256: string;
  sizeBytes: number;
  /**
   * The upload holding the file ({@link ImportJobRepository.beginUpload}): it becomes the job's file, stored with
   * the job so any replica can resume it.
   */
  uploadId: string;
  requestId: string | null;
  traceId: string | null;
}

/** How a job ended, as {@link ImportJobRepository.finish} records it. */
export interface ImportOutcome {
  status: "succeeded" | "failed";
  /** The file's data rows when this ending counted them; null leaves any count `setTotalRows` stored. */
  totalRows: number | null;
  /** Why the job failed as a whole (null when it succeeded). */
  error: string | null;
  at: Date;
}

/**
 * Import jobs, their files, committed batches and row errors. Obtained inside {@link UnitOfWork.run}: a batch's
 * record and row errors commit with the users it created, or not at all.
 */
export interface ImportJobRepository {
  /**
   * Starts storing a file as it arrives (issue 18, item 7), before any job exists: its chunks go in one by one,
   * each in a unit of work of its own, so no process ever holds the whole file. Returns the upload's id.
   */
  beginUpload(at: Date): Promise<string>;

  /** Stores chunk `chunkNo` (0, 1, 2, ... in the file's order) of an upload no job has yet. */
  appendChunk(uploadId: string, chunkNo: number, content: string): Promise<void>;

  /** Deletes an upload no job has (refused, cut short, or the same file as an earlier job); false when none. */
  discardUpload(uploadId: string): Promise<boolean>;

  /**
   * Stores a new job (status `queued`, no lease) with the upload as its file.
   * @throws ImportUploadGoneError when the upload does not exist or belongs to a job already.
   */
  create(job: NewImportJob): Promise<ImportJob>;

  get(id: string): Promise<ImportJob | null>;

  /** How many chunks the job's file has; null when the file is gone. */
  fileChunks(id: string): Promise<number | null>;

  /** Chunk `chunkNo` of the job's file; null when there is no such chunk (or file). */
  fileChunk(id: string, chunkNo: number): Promise<string | null>;

  /** Jobs newest first, by keyset (`after` is the last job of the previous page). */
  list(query: { limit: number; after?: ImportJobCursor }): Promise<ImportJob[]>;

  /**
   * Takes the job for `holder` (a random id per take-up) until `leaseUntil` and marks it `running`, when it is
   * unfinished and nobody holds it (no lease, or one that expired before `now`); null otherwise. Atomic: of two
   * replicas trying at once, one gets it.
   */
  acquire(id: string, lease: { now: Date; leaseUntil: Date; holder: string }): Promise<ImportJob | null>;

  /** Ids of unfinished jobs nobody holds (no lease, or expired before `now`), oldest first. */
  findUnheld(now: Date, limit: number): Promise<string[]>;

  /**
   * Extends (or, with null, gives up) the lease of an unfinished job that `holder` holds. False when it does not
   * hold it any more (another process took it over after the lease ran out): the holder must then stop.
   */
  setLease(id: string, holder: string, leaseUntil: Date | null): Promise<boolean>;

  /** Whether `holder` holds the unfinished job now (a plain read: it locks nothing). */
  isHeldBy(id: string, holder: string): Promise<boolean>;

  /**
   * Records why the unfinished job that `holder` holds writes nothing for now, or (null) that it runs again
   * (issue 18, item 9). False when it does not hold the job.
   */
  setPaused(id: string, holder: string, pause: ImportPause | null): Promise<boolean>;

  setTotalRows(id: string, totalRows: number): Promise<void>;

  /**
   * Records a committed batch with its row errors.
   * @throws ImportBatchRecordedError when the batch was recorded already (another process did it): the unit of
   *   work must then roll back, taking the users it created with it.
   */
  recordBatch(jobId: string, batch: ImportBatchRecord, errors: readonly ImportRowError[]): Promise<void>;

  /** Numbers of the batches recorded so far. */
  recordedBatches(jobId: string): Promise<number[]>;

  progress(jobId: string): Promise<ImportProgress>;

  /** {@link progress} of each of `jobIds` in one read (a listing's page): every id is in the map. */
  progressMany(jobIds: readonly string[]): Promise<Map<string, ImportProgress>>;

  /** Row errors in line order, those after `afterLine`, at most `limit`. */
  rowErrors(jobId: string, query: { afterLine?: number; limit: number }): Promise<ImportRowError[]>;

  /**
   * Deletes the stored files of finished jobs (the periodic clean-up; `finish` deletes its job's file, this
   * catches any left by a job finished otherwise), and uploads that no job has and that started before
   * `abandonedBefore` (a process that died mid-upload); returns how many. The jobs and their reports stay.
   */
  deleteFinishedFiles(abandonedBefore: Date): Promise<number>;

  /**
   * Ends the job: status, total, error, finishedAt; the lease is dropped and the stored file deleted (a finished
   * job is never resumed). The job, its batches and its row errors stay: they are the report. Only `holder` may
   * end it: false (and nothing changed) when it does not hold the job any more.
   */
  finish(id: string, holder: string, outcome: ImportOutcome): Promise<boolean>;
}

/** The job's lease was taken over by another process: this one stops, and rolls back its unit of work. */
export class ImportLeaseLostError extends NamedError {
  constructor(readonly jobId: string) {
    super(`Import ${jobId} was taken over by another process`, { name: "ImportLeaseLostError" });
  }
}

/** The upload a new job should take as its file is gone (cleaned up as abandoned) or is another job's. */
export class ImportUploadGoneError extends NamedError {
  constructor(readonly uploadId: string) {
    super(`Upload ${uploadId} does not exist or belongs to a job already`, { name: "ImportUploadGoneError" });
  }
}

/** The batch was recorded already, by another process that took the job over: roll this one back. */
export class ImportBatchRecordedError extends NamedError {
  constructor(
    readonly jobId: string,
    readonly batchNo: number,
  ) {
    super(`Batch ${batchNo} of import ${jobId} was recorded already`, { name: "ImportBatchRecordedError" });
  }
}
