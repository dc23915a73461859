import pg from "pg";

import { DatabaseBusyError } from "../../domain/errors";
import { untilAborted } from "../../domain/until-aborted";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { pgSession } from "../prisma/migrator";
import { SqlUserQueries } from "../sql/sql-user-queries";

/**
 * `UnitOfWork.read` on PostgreSQL (issue 16): one pooled connection for the read's statements, no transaction
 * around them, so a GET by id is one round trip. The connection's backend pid is known to node-postgres from the
 * moment it connected (`processID`), so a read whose signal aborts (its deadline, or the client going away) has its
 * running statement cancelled on the server with `pg_cancel_backend`, through `cancelPool`: the main pool is
 * usually full exactly when deadlines fire.
 *
 * The connection goes back to the pool only once nothing of this read can touch it any more: its statement has
 * ended (or been cancelled) and the cancel, if one was sent, has been delivered. A cancel that reaches a backend
 * between statements is ignored by PostgreSQL, so it can never hit another request's statement.
 */
export function createPgReads(pool: pg.Pool, cancelPool: pg.Pool): UnitOfWork["read"] {
  return async (work, options) => {
    const signal = options?.signal;
    signal?.throwIfAborted();
    // Abandoned while waiting for a connection: the one that comes later goes straight back.
    const client = await untilAborted(connect(pool), signal, (late) => late.release());
    let cancelled: Promise<unknown> | undefined;
    const onAbort = () => {
      const pid = backendPidOf(client);
      if (pid !== undefined) cancelled ??= cancelPool.query("SELECT pg_cancel_backend($1)", [pid]).catch(() => undefined);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const guard = () => signal?.throwIfAborted();
    const running = Promise.resolve().then(() => work({ users: new SqlUserQueries(pgSession(client), guard) }));
    void running.then(
      () => release(),
      (error: unknown) => release(error),
    );
    async function release(error?: unknown) {
      signal?.removeEventListener("abort", onAbort);
      await cancelled;
      // A statement the server refused (DatabaseError, a cancel included) leaves the connection sound; anything
      // else (the connection dropped) and it is discarded rather than handed to the next caller.
      const broken = error !== undefined && !(error instanceof pg.DatabaseError) && !signal?.aborted;
      client.release(broken ? toError(error) : undefined);
    }
    return untilAborted(running, signal);
  };
}

/** A connection from the pool; waiting longer than the pool's connectionTimeoutMillis is 503 "busy, retry". */
async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    // pg-pool's own wording for a wait that timed out (pg-pool 3.x).
    if (error instanceof Error && /timeout exceeded when trying to connect/i.test(error.message)) throw new DatabaseBusyError();
    throw error;
  }
}

/**
 * The connection's backend pid: node-postgres keeps it from the BackendKeyData message it receives at connect
 * (`Client.processID`, used by its own cancel support) but its type declarations leave it out. Undefined if a
 * future version drops it: reads are then bounded by the pool's statement_timeout alone.
 */
function backendPidOf(client: pg.PoolClient): number | undefined {
  const pid: unknown = Reflect.get(client, "processID");
  return typeof pid === "number" ? pid : undefined;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
