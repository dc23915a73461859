// Cancellation plumbing shared by every layer: pure promise and AbortSignal logic, no I/O.

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as the signal aborts (at once when it
 * already has). A value the promise delivers after that goes to `discard` (a lock release, say) and a late
 * rejection is swallowed: the caller has been answered already, and an abandoned promise must not surface as
 * an unhandled rejection.
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  discard?: (lateValue: T) => void,
): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    let abandoned = false;
    const onAbort = () => {
      abandoned = true;
      reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (abandoned) discard?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!abandoned) reject(error);
      },
    );
  });
}

/** Waits `ms`; resolves true when the signal aborted first (at once when it already has), false otherwise. */
export function delayUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
