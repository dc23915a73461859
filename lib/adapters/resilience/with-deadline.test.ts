import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { UnitOfWork } from "../../ports/unit-of-work";
import { createInMemoryDatabase } from "../memory/in-memory-database";
import { withDeadline } from "./with-deadline";

/** The in-memory unit of work, recording the signal each run was given. */
function recordingUnitOfWork() {
  const db = createInMemoryDatabase();
  const signals: (AbortSignal | undefined)[] = [];
  const unitOfWork: UnitOfWork = {
    run(work, options) {
      signals.push(options?.signal);
      return db.unitOfWork.run(work, options);
    },
    read(work, options) {
      signals.push(options?.signal);
      return db.unitOfWork.read(work, options);
    },
  };
  return { unitOfWork, signals, db };
}

/** A promise the test settles by hand: the work of a unit waiting on a slow database. */
function pending<T>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve: (value: T) => resolve(value), reject: (error: unknown) => reject(error) };
}

describe("withDeadline", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("passes on the work's value when it settles in time", async () => {
    const { unitOfWork, signals } = recordingUnitOfWork();
    const work = pending<string>();
    const run = withDeadline(unitOfWork, 1_000).run(() => work.promise);
    work.resolve("done");
    await expect(run).resolves.toBe("done");
    expect(signals[0]?.aborted).toBe(false);
  });

  it("passes on the work's rejection unchanged", async () => {
    const { unitOfWork } = recordingUnitOfWork();
    const failure = new Error("constraint");
    const work = pending<string>();
    const run = withDeadline(unitOfWork, 1_000).run(() => work.promise);
    work.reject(failure);
    await expect(run).rejects.toBe(failure);
  });

  it("answers DEADLINE_EXCEEDED at the deadline while the work still waits, and aborts the inner signal", async () => {
    const { unitOfWork, signals } = recordingUnitOfWork();
    const work = pending<string>();
    const outcome = withDeadline(unitOfWork, 1_000)
      .run(() => work.promise)
      .then(
        () => "resolved",
        (error: unknown) => error,
      );
    await vi.advanceTimersByTimeAsync(999);
    expect(signals[0]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toMatchObject({ code: "DEADLINE_EXCEEDED", deadlineMs: 1_000 });
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toMatchObject({ code: "DEADLINE_EXCEEDED" });
    // A late answer changes nothing (and surfaces as no unhandled rejection).
    work.reject(new Error("late"));
  });

  it("answers with the caller's reason when the caller aborts first", async () => {
    const { unitOfWork, signals } = recordingUnitOfWork();
    const caller = new AbortController();
    const reason = new Error("client went away");
    const work = pending<string>();
    const run = withDeadline(unitOfWork, 1_000).run(() => work.promise, { signal: caller.signal });
    caller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(signals[0]?.reason).toBe(reason);
  });

  it("does not start the inner unit when the caller's signal has already aborted", async () => {
    const { unitOfWork, signals } = recordingUnitOfWork();
    const caller = new AbortController();
    caller.abort(new Error("already gone"));
    await expect(
      withDeadline(unitOfWork, 1_000).run(async () => "unused", { signal: caller.signal }),
    ).rejects.toThrow("already gone");
    expect(signals).toHaveLength(0);
  });

  it("leaves no timer behind once the unit has settled", async () => {
    const { unitOfWork } = recordingUnitOfWork();
    const work = pending<string>();
    const run = withDeadline(unitOfWork, 60_000).run(() => work.promise);
    expect(vi.getTimerCount()).toBe(1);
    work.resolve("done");
    await run;
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rolls back a unit that overran its deadline: nothing it wrote is committed", async () => {
    const { unitOfWork, db } = recordingUnitOfWork();
    const outcome = withDeadline(unitOfWork, 50)
      .run(async ({ users }) => {
        await users.create({ email: "slow@example.com", name: "Slow", role: "VIEWER", status: "ACTIVE" });
        await new Promise<never>(() => {}); // a database that never answers
      })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(50);
    await expect(outcome).resolves.toMatchObject({ code: "DEADLINE_EXCEEDED" });
    expect(await db.unitOfWork.run(({ users }) => users.getByEmail("slow@example.com"))).toBeNull();
  });
});
