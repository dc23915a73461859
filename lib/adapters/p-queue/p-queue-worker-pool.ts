import PQueue from "p-queue";

import { WorkerPoolClosedError, type WorkerPool } from "../../ports/worker-pool";

/**
 * The WorkerPool port on p-queue: `concurrency` tasks at once, the rest in its queue. p-queue's `clear()`
 * drops waiting tasks without settling their promises, so the tasks waiting here are tracked and rejected by
 * {@link WorkerPool.shutdown} themselves: a producer awaiting one is told, never left hanging.
 */
export function createPQueueWorkerPool(options: { concurrency: number }): WorkerPool {
  const queue = new PQueue({ concurrency: options.concurrency });
  const waiting = new Set<(error: Error) => void>();
  let closed = false;
  let shutdown: Promise<void> | undefined;

  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(new WorkerPoolClosedError());
      return new Promise<T>((resolve, reject) => {
        waiting.add(reject);
        void queue.add(async () => {
          if (!waiting.delete(reject)) return; // dropped by shutdown, already rejected
          try {
            resolve(await task());
          } catch (error) {
            reject(error);
          }
        });
      });
    },
    whenReady() {
      return queue.onSizeLessThan(options.concurrency);
    },
    onIdle() {
      return queue.onIdle();
    },
    get size() {
      return queue.size;
    },
    get pending() {
      return queue.pending;
    },
    get concurrency() {
      return options.concurrency;
    },
    get closed() {
      return closed;
    },
    shutdown() {
      shutdown ??= (async () => {
        closed = true;
        queue.clear();
        for (const reject of waiting) reject(new WorkerPoolClosedError());
        waiting.clear();
        await queue.onIdle();
      })();
      return shutdown;
    },
  };
}
