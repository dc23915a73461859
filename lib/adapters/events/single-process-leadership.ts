import type { RelayLeadership } from "../../ports/outbox";

/**
 * Leadership where only one process can reach the outbox: the embedded database (one process per data
 * directory) and the in-memory one. The lease is granted at once and only ends when given back.
 */
export function singleProcessLeadership(): RelayLeadership {
  return {
    async acquire(signal) {
      signal.throwIfAborted();
      const lost = new AbortController();
      return {
        lost: lost.signal,
        async release() {
          lost.abort(new Error("relay lease released"));
        },
      };
    },
  };
}
