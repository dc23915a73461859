/**
 * What the live console invalidates when changes commit (issue 21), and when: the React Query keys each change
 * touches, gathered over a short window so that a burst (a bulk action over 5,000 users, an import) costs a few
 * refetches of what is on screen, not one per change. Only queries in use refetch; the rest are marked stale.
 */
import { AUDIT_KEY, FLAGS_KEY, IMPORTS_KEY, TOKENS_KEY, USER_FLAGS_KEY, USER_STATS_KEY, USERS_KEY } from "./query-keys";

/** A frame of GET /api/v1/events, as the console handles it. */
export type LiveMessage = { kind: "change"; change: { type: string; subject: { type: string; id: string } } } | { kind: "reset" };

type QueryKey = readonly unknown[];

/** The keys a change makes stale; null: everything (a reset, or a subject this console does not know). */
export function keysOf(message: LiveMessage): QueryKey[] | null {
  if (message.kind === "reset") return null;
  // Every change writes an audit entry.
  switch (message.change.subject.type) {
    case "user":
      // A role or status decides flags' variations too.
      return [USERS_KEY, USER_STATS_KEY, USER_FLAGS_KEY, AUDIT_KEY];
    case "flag":
      return [FLAGS_KEY, USER_FLAGS_KEY, AUDIT_KEY];
    case "token":
      return [TOKENS_KEY, AUDIT_KEY];
    case "import":
      return [IMPORTS_KEY, USERS_KEY, USER_STATS_KEY, AUDIT_KEY];
    default:
      return null;
  }
}

export interface InvalidationCoalescer {
  add(message: LiveMessage): void;
  /** Drops what is waiting (the page goes away). */
  stop(): void;
}

/**
 * Gathers the keys of the messages added and hands them to `invalidate` once no message came for `quietMs`, or
 * `maxWaitMs` after the first one of a burst, whichever is first; each key once per flush, `null` for "all".
 */
export function createInvalidationCoalescer(
  invalidate: (keys: QueryKey[] | null) => void,
  options: { quietMs: number; maxWaitMs: number },
): InvalidationCoalescer {
  let pending = new Map<string, QueryKey>();
  let all = false;
  let quiet: ReturnType<typeof setTimeout> | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;

  function flush(): void {
    clearTimeout(quiet);
    clearTimeout(deadline);
    quiet = deadline = undefined;
    const keys = all ? null : [...pending.values()];
    pending = new Map();
    all = false;
    if (keys === null || keys.length > 0) invalidate(keys);
  }

  return {
    add(message) {
      const keys = keysOf(message);
      if (keys === null) all = true;
      else for (const key of keys) pending.set(JSON.stringify(key), key);
      clearTimeout(quiet);
      quiet = setTimeout(flush, options.quietMs);
      deadline ??= setTimeout(flush, options.maxWaitMs);
    },
    stop() {
      clearTimeout(quiet);
      clearTimeout(deadline);
      pending = new Map();
      all = false;
    },
  };
}
