import { AsyncLocalStorage } from "node:async_hooks";

import pg from "pg";

/**
 * Server-side cancellation of the statement a pooled connection is running, when the work it serves is given up
 * on (its deadline, the client going away): `pg_cancel_backend(<the connection's backend pid>)` sent through
 * `cancelPool`, a pool of its own (the main pool is usually full exactly when deadlines fire, and a cancel queued
 * behind the work it should stop would come too late).
 *
 * The pid is the one node-postgres received when the connection was opened (`processID`), so no round trip is
 * spent asking for it. The connection goes back to the pool only once the cancel, if one was sent, has been
 * delivered: PostgreSQL ignores a cancel that reaches a backend between statements, so it can never hit the
 * statement of whoever borrows the connection next. Within a transaction that is not enough: the cancel can land
 * on the unit's own ROLLBACK (or COMMIT), which then fails and leaves the transaction open and aborted (25P02
 * "current transaction is aborted" for every statement of the next borrower, its BEGIN included; seen under load
 * in the overview's fan-out). So `cancellableConnections` ends a cancelled unit's transaction itself, with one
 * more ROLLBACK once the cancel is delivered, and closes the connection only if that fails too.
 *
 * A signal that has already aborted when the watch starts sends no cancel: nothing of the work runs on the
 * connection yet, and the callers send no statement once their signal has aborted (Prisma's BEGIN and ROLLBACK
 * around a unit given up on are all that can still run, and they are short).
 */
export interface StatementWatch {
  /** Stops watching the signal (the work is done). */
  stop(): void;
  /** Whether a cancel was sent: the signal aborted while the statement was watched. */
  cancelSent(): boolean;
  /**
   * Resolves once a cancel that was sent has been delivered (at once if none was): true. False if it was not
   * confirmed within CANCEL_WAIT_MS (the cancel connection slow or gone): the connection must then be destroyed
   * rather than returned, since the cancel may still land on it.
   */
  settled(): Promise<boolean>;
}

/** How long a connection's release waits for its cancel to be confirmed; past it, the connection is destroyed. */
export const CANCEL_WAIT_MS = 1_000;

export function watchStatement(client: pg.PoolClient, signal: AbortSignal, cancelPool: pg.Pool): StatementWatch {
  let cancelled: Promise<boolean> | undefined;
  const onAbort = () => {
    const pid = backendPidOf(client);
    if (pid === undefined || cancelled) return;
    // A cancel that fails is harmless for the caller (answered at its deadline anyway): the statement then ends
    // at the pool's statement_timeout, and the connection is destroyed rather than reused.
    const sent = cancelPool.query("SELECT pg_cancel_backend($1)", [pid]).then(
      () => true,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), CANCEL_WAIT_MS);
    });
    cancelled = Promise.race([sent, late]).finally(() => clearTimeout(timer));
  };
  if (!signal.aborted) signal.addEventListener("abort", onAbort, { once: true });
  return {
    stop: () => signal.removeEventListener("abort", onAbort),
    cancelSent: () => cancelled !== undefined,
    settled: () => cancelled ?? Promise.resolve(true),
  };
}

/**
 * The same for connections that a library takes from the pool itself: Prisma's pg adapter takes one per
 * interactive transaction. `watching(signal, start)` runs `start` so that the first connection taken from `pool`
 * within it (through the promise form of `pool.connect`, which the adapter's `startTransaction` uses) is watched
 * for `signal`. Its release waits for a cancel in flight and then, if one was sent, rolls back whatever the cancel
 * may have left open (see above) before handing the connection on. Found through AsyncLocalStorage: the adapter
 * connects within the promise chain that `start` begins.
 */
export function cancellableConnections(pool: pg.Pool, cancelPool: pg.Pool) {
  interface Slot {
    signal: AbortSignal;
    taken: boolean;
  }
  const slots = new AsyncLocalStorage<Slot>();
  const connect = pool.connect.bind(pool);
  // Callback form (pool.query, one-off statements) and connections outside `watching` are left as they are.
  pool.connect = ((callback?: Parameters<pg.Pool["connect"]>[0]) => {
    const slot = slots.getStore();
    if (callback || !slot || slot.taken) return connect(callback as never);
    slot.taken = true;
    return connect().then((client) => {
      const watch = watchStatement(client, slot.signal, cancelPool);
      const release = client.release.bind(client);
      client.release = (error?: Error | boolean) => {
        watch.stop();
        void settle(client, watch, error).then((verdict) => {
          try {
            release(verdict);
          } catch {
            // Released twice (a bug of the caller's): pg-pool refuses the second; nothing more to do here.
          }
        });
      };
      return client;
    });
  }) as pg.Pool["connect"];

  return {
    watching<T>(signal: AbortSignal, start: () => Promise<T>): Promise<T> {
      return slots.run({ signal, taken: false }, start);
    },
  };
}

/**
 * What to release a watched transaction's connection with, once its cancel (if any) has settled: the adapter's own
 * error, if it gave one (the connection is then closed); an error if the cancel was not confirmed (it may still
 * land); otherwise nothing, after a ROLLBACK when a cancel was sent, since it may have hit the unit's own ROLLBACK
 * or COMMIT. Outside a transaction that ROLLBACK only draws a warning; should it fail, the connection is closed.
 */
async function settle(client: pg.PoolClient, watch: StatementWatch, error: Error | boolean | undefined): Promise<Error | boolean | undefined> {
  const delivered = await watch.settled();
  if (error) return error;
  if (!delivered) return new Error("the statement's cancel was not confirmed: connection discarded");
  if (!watch.cancelSent()) return undefined;
  try {
    await client.query("ROLLBACK");
    return undefined;
  } catch (rollbackFailed) {
    return rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed));
  }
}

/**
 * The connection's backend pid: node-postgres keeps it from the BackendKeyData message it receives at connect
 * (`Client.processID`, used by its own cancel support) but its type declarations leave it out. Undefined if a
 * future version drops it: statements are then bounded by the pool's statement_timeout alone.
 */
function backendPidOf(client: pg.PoolClient): number | undefined {
  const pid: unknown = Reflect.get(client, "processID");
  return typeof pid === "number" ? pid : undefined;
}
