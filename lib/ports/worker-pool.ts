import { NamedError } from "../domain/errors";

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

export class WorkerPoolClosedError extends NamedError {
  constructor() {
    super("The worker pool is shutting down and takes no more work", { name: "WorkerPoolClosedError" });
  }
}
