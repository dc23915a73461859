import pg from "pg";

import { DatabaseBusyError } from "../../domain/errors";
import { untilAborted } from "../../domain/until-aborted";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { pgSession, type SqlSession } from "../prisma/migrator";
import { SqlUserQueries } from "../sql/sql-user-queries";
import { watchStatement } from "./statement-cancellation";

/**
 * `UnitOfWork.read` on PostgreSQL (issue 16): one pooled connection for the read's statements, no transaction
 * around them, so a GET by id is one round trip. A read whose signal aborts (its deadline, or the client going
 * away) has its running statement cancelled on the server (statement-cancellation.ts), and the connection goes
 * back to the pool only once nothing of this read can touch it any more; a connection that broke meanwhile is closed
 * instead.
 */
export function createPgReads(pool: pg.Pool, cancelPool: pg.Pool): UnitOfWork["read"] {
  return async (work, options) => {
    const signal = options?.signal;
    signal?.throwIfAborted();
    // Abandoned while waiting for a connection: the one that comes later goes straight back.
    const client = await untilAborted(connect(pool), signal, (late) => late.release());
    const watch = signal ? watchStatement(client, signal, cancelPool) : undefined;
    const guard = () => signal?.throwIfAborted();
    // What broke the connection itself, if anything did: a statement's failure (see statementFailuresNoted), or
    // the connection dropping while checked out, which node-postgres reports as an 'error' event (pg-pool listens
    // only while a connection is idle: unheard, the event would crash the process).
    let broken: Error | undefined;
    const onConnectionError = (error: Error) => (broken ??= error);
    client.on("error", onConnectionError);
    const session = statementFailuresNoted(pgSession(client), onConnectionError);
    const running = Promise.resolve().then(() => work({ users: new SqlUserQueries(session, guard) }));
    void running
      .then(release, release)
      // pg-pool refuses a second release (a bug of ours if it ever happened): never an unhandled rejection.
      .catch(() => undefined);
    async function release() {
      watch?.stop();
      const delivered = (await watch?.settled()) ?? true;
      client.removeListener("error", onConnectionError);
      // A cancel that may still land, or a broken connection, and it is closed rather than handed on.
      if (!delivered) client.release(new Error("the statement's cancel was not confirmed: connection discarded"));
      else client.release(broken);
    }
    return untilAborted(running, signal);
  };
}

/**
 * `session`, telling `broke` of a statement that failed other than by the server refusing it: the connection
 * dropping, a client-side query timeout (the statement may still be running), or a FATAL error (the server ends
 * the session after it). A statement the server refused (a pg.DatabaseError, a cancel included) leaves the
 * connection sound, and an error the work throws on its own (a user not found) says nothing about it: it then
 * goes back to the pool.
 */
function statementFailuresNoted(session: SqlSession, broke: (error: Error) => void): SqlSession {
  const noted = (error: unknown): never => {
    const refused = error instanceof pg.DatabaseError && error.severity !== "FATAL" && error.severity !== "PANIC";
    if (!refused) broke(toError(error));
    throw error;
  };
  return {
    query: <T extends object>(sql: string, params?: unknown[]) => session.query<T>(sql, params).catch(noted),
    exec: (sql: string) => session.exec(sql).catch(noted),
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

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
