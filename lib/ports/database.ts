/** The database as the process lifecycle sees it: readiness probes, pool metrics and shutdown. */
export interface DatabaseLifecycle {
  /** Resolves when the database answers a trivial query; rejects otherwise or when `signal` aborts. */
  ping(signal?: AbortSignal): Promise<void>;
  /**
   * Migrations in this build that the database has not applied (empty when current): a replica of a newer build
   * must not take traffic on an older schema. Rejects when the database does not answer or `signal` aborts.
   */
  pendingMigrations(signal?: AbortSignal): Promise<string[]>;
  /** The connection pool right now; null where there is no pool (embedded, in-memory). */
  connections(): ConnectionStats | null;
  /** Closes connections; further use fails. Safe to call twice. */
  close(): Promise<void>;
}

export interface ConnectionStats {
  inUse: number;
  idle: number;
  /** Units of work waiting for a free connection. */
  waiting: number;
}

/** closed: units of work reach the database; open: refused at once; half-open: one probe is trying it. */
export type BreakerState = "closed" | "open" | "half-open";

/**
 * Whether the database is being tried at all (issue 17): the circuit breaker over every database port, as the
 * process's edges see it (pages answered 503 while it is open, /ready, the metrics).
 */
export interface DatabaseAvailability {
  readonly name: string;
  state(): BreakerState;
  /** Seconds a refused caller should wait before trying again (Retry-After): until the next probe, at least 1. */
  retryAfterSeconds(): number;
}
