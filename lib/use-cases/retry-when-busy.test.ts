import { describe, expect, it } from "vitest";

import { DatabaseBusyError, DeadlineExceededError } from "../domain/errors";
import { retryWhenBusy } from "./retry-when-busy";

/** A unit that fails with each of `failures` in turn, then answers "done"; counts its tries. */
function unitFailingWith(...failures: Error[]) {
  let tries = 0;
  const unit = async () => {
    const failure = failures[tries++];
    if (failure) throw failure;
    return "done";
  };
  return { unit, tries: () => tries };
}

describe("retryWhenBusy (background units of work)", () => {
  it("runs a unit again while the pool is busy, pausing before each try, and answers what it finally answers", async () => {
    const { unit, tries } = unitFailingWith(new DatabaseBusyError(), new DatabaseBusyError());
    const retried: number[] = [];
    const result = await retryWhenBusy(unit, { signal: new AbortController().signal, onRetry: (attempt) => retried.push(attempt) });
    expect(result).toBe("done");
    expect(tries()).toBe(3);
    expect(retried).toEqual([0, 1]);
  });

  it.each([
    ["a deadline", new DeadlineExceededError(5_000)],
    ["any other error", new Error("boom")],
  ])("passes %s on at once, without another try", async (_, error) => {
    const { unit, tries } = unitFailingWith(error);
    await expect(retryWhenBusy(unit, { signal: new AbortController().signal })).rejects.toBe(error);
    expect(tries()).toBe(1);
  });

  it("gives up with the busy error when its signal aborts during a pause (shutdown)", async () => {
    const busy = new DatabaseBusyError();
    const { unit, tries } = unitFailingWith(busy, busy, busy);
    const stopper = new AbortController();
    const result = retryWhenBusy(unit, { signal: stopper.signal, onRetry: () => stopper.abort() });
    await expect(result).rejects.toBe(busy);
    expect(tries()).toBe(1);
  });
});
