import { describe, expect, it } from "vitest";

import { WorkerPoolClosedError } from "../../ports/worker-pool";
import { createPQueueWorkerPool } from "./p-queue-worker-pool";

/** A task that runs until released, recording how many run at once. */
function gate() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return { release, released };
}

describe("p-queue worker pool", () => {
  it("runs at most `concurrency` tasks at once, and every task's result reaches its caller", async () => {
    const pool = createPQueueWorkerPool({ concurrency: 2 });
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        pool.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
          return i * 2;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    await expect(pool.run(async () => Promise.reject(new Error("task failed")))).rejects.toThrow("task failed");
  });

  it("applies backpressure: whenReady waits while as many tasks wait as there are workers", async () => {
    const pool = createPQueueWorkerPool({ concurrency: 2 });
    const gates = Array.from({ length: 4 }, gate);
    const runs = gates.map((g) => pool.run(() => g.released));
    expect(pool.pending).toBe(2);
    expect(pool.size).toBe(2);
    let ready = false;
    const waiting = pool.whenReady().then(() => (ready = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ready).toBe(false);
    gates[0]?.release();
    await waiting;
    expect(ready).toBe(true);
    expect(pool.size).toBe(1);
    for (const g of gates) g.release();
    await Promise.all(runs);
  });

  it("shutdown drains the running tasks, drops the waiting ones, and refuses new work", async () => {
    const pool = createPQueueWorkerPool({ concurrency: 1 });
    const first = gate();
    let finished = false;
    const running = pool.run(async () => {
      await first.released;
      finished = true;
      return "done";
    });
    const waiting = pool.run(async () => "never");
    let drained = false;
    const shutdown = pool.shutdown().then(() => (drained = true));
    await expect(waiting).rejects.toBeInstanceOf(WorkerPoolClosedError);
    await expect(pool.run(async () => "late")).rejects.toBeInstanceOf(WorkerPoolClosedError);
    expect(pool.closed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(drained).toBe(false); // still waiting for the running task
    first.release();
    await shutdown;
    expect(finished).toBe(true);
    await expect(running).resolves.toBe("done");
    await pool.shutdown(); // idempotent
  });
});
