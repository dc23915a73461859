import { DeadlineExceededError } from "../../domain/errors";
import type { UnitOfWork, UnitOfWorkOptions } from "../../ports/unit-of-work";
import { untilAborted } from "../../domain/until-aborted";

/**
 * Decorates a unit of work with a deadline. Each `run` gets a signal that aborts after `deadlineMs` (with
 * {@link DeadlineExceededError} as its reason) or when the caller's own signal aborts, whichever comes first;
 * the adapter underneath rolls its transaction back when that signal aborts. The caller is answered at the
 * deadline even if the adapter is still waiting on the database: with DeadlineExceededError, or with the
 * caller's own abort reason. Reads outside a transaction (`read`) get the same deadline, and the adapter cancels
 * their statement when it fires.
 */
export function withDeadline(inner: UnitOfWork, deadlineMs: number): UnitOfWork {
  return {
    run: (work, options) => withinDeadline(deadlineMs, options, (bounded) => inner.run(work, bounded)),
    read: (work, options) => withinDeadline(deadlineMs, options, (bounded) => inner.read(work, bounded)),
  };
}

function withinDeadline<T>(
  deadlineMs: number,
  options: UnitOfWorkOptions | undefined,
  run: (options: UnitOfWorkOptions) => Promise<T>,
): Promise<T> {
  const callerSignal = options?.signal;
  if (callerSignal?.aborted) return Promise.reject(callerSignal.reason);
  // A timer cleared when the unit settles, rather than AbortSignal.timeout, whose timer would outlive
  // every unit by the whole deadline.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DeadlineExceededError(deadlineMs)), deadlineMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;
  return untilAborted(run({ signal }), signal).finally(() => clearTimeout(timer));
}
