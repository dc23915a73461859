/** The database as the process lifecycle sees it: readiness probes and shutdown. */
export interface DatabaseLifecycle {
  /** Resolves when the database answers a trivial query; rejects otherwise or when `signal` aborts. */
  ping(signal?: AbortSignal): Promise<void>;
  /** Closes connections; further use fails. Safe to call twice. */
  close(): Promise<void>;
}
