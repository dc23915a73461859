/**
 * A bounded pool of workers for background work (import batches): at most `concurrency` tasks run at once;
 * producers wait on {@link WorkerPool.whenReady} before submitting, so a fast producer (a CSV parser) cannot
 * pile up work in memory (backpressure).
 */
export interface WorkerPool {
  /**
   * Runs `task` once a worker is free and settles as it does.
   * @throws WorkerPoolClosedError (as a rejection) after {@link shutdown}, or when shutdown dropped the task
   *   before it started.
   */
  run<T>(task: () => Promise<T>): Promise<T>;

  /** Resolves once fewer tasks wait than there are workers: await it before submitting the next one. */
  whenReady(): Promise<void>;

  /** Resolves when nothing runs or waits. */
  onIdle(): Promise<void>;

  /** Tasks waiting for a worker. */
  readonly size: number;
  /** Tasks running. */
  readonly pending: number;
  readonly concurrency: number;
  readonly closed: boolean;

  /**
   * Stops taking work: later `run` calls and tasks still waiting reject with WorkerPoolClosedError; resolves when
   * the running tasks have finished (they are not interrupted). Idempotent.
   */
  shutdown(): Promise<void>;
}

export class WorkerPoolClosedError extends Error {
  constructor() {
    super("The worker pool is shutting down and takes no more work");
    this.name = "WorkerPoolClosedError";
  }
}

/** A streaming CSV reader with a header row. */
export interface CsvReader {
  /**
   * The header's column names (trimmed, lower-cased) and the data records, each with the file line it starts
   * on (the header is line 1). Empty lines are skipped.
   * @throws CsvFormatError (while iterating) for a malformed file: an unclosed quote, a row with more fields
   *   than the header.
   */
  read(content: string): { columns: Promise<string[]>; records: AsyncIterable<CsvRecord> };
}

export interface CsvRecord {
  line: number;
  /** By column name; a missing trailing field is absent. */
  fields: Record<string, string>;
}

export class CsvFormatError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
    this.name = "CsvFormatError";
  }
}
