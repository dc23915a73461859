import type { Actor } from "../domain/auth";
import type {
  ImportBatchRecord,
  ImportJob,
  ImportJobCursor,
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
  /** The file itself, stored with the job so any replica can resume it. */
  content: string;
  requestId: string | null;
  traceId: string | null;
}

/**
 * Import jobs, their files, committed batches and row errors. Obtained inside {@link UnitOfWork.run}: a batch's
 * record and row errors commit with the users it created, or not at all.
 */
export interface ImportJobRepository {
  /** Stores a new job (status `queued`, no lease) and its file. */
  create(job: NewImportJob): Promise<ImportJob>;

  get(id: string): Promise<ImportJob | null>;

  /** The job's file; null when it is gone. */
  content(id: string): Promise<string | null>;

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
   * catches any left by a job finished otherwise); returns how many. The jobs and their reports stay.
   */
  deleteFinishedFiles(): Promise<number>;

  /**
   * Ends the job: status, total, error, finishedAt; the lease is dropped and the stored file deleted (a finished
   * job is never resumed). The job, its batches and its row errors stay: they are the report. Only `holder` may
   * end it: false (and nothing changed) when it does not hold the job any more.
   */
  finish(
    id: string,
    holder: string,
    outcome: { status: "succeeded" | "failed"; totalRows: number | null; error: string | null; at: Date },
  ): Promise<boolean>;
}

/** The job's lease was taken over by another process: this one stops, and rolls back its unit of work. */
export class ImportLeaseLostError extends Error {
  constructor(readonly jobId: string) {
    super(`Import ${jobId} was taken over by another process`);
    this.name = "ImportLeaseLostError";
  }
}

/** The batch was recorded already, by another process that took the job over: roll this one back. */
export class ImportBatchRecordedError extends Error {
  constructor(
    readonly jobId: string,
    readonly batchNo: number,
  ) {
    super(`Batch ${batchNo} of import ${jobId} was recorded already`);
    this.name = "ImportBatchRecordedError";
  }
}
