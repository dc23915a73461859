import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres";
import { UserNotFoundError } from "../../domain/errors";
import { createPgReads } from "./pg-reads";
import { cancellableConnections } from "./statement-cancellation";

/**
 * Which pooled connections are handed on to the next unit and which are closed: a connection is reused unless
 * something may have left it unsound. One connection in the pool, so the next unit gets the previous unit's
 * connection (the same backend pid) unless it was closed.
 */

let database: TestDatabase;
let pool: pg.Pool;
let cancelPool: pg.Pool;
beforeAll(async () => {
  database = await createTestDatabase("statement_cancellation");
  pool = new pg.Pool({ connectionString: database.url, max: 1 });
  cancelPool = new pg.Pool({ connectionString: database.url, max: 1 });
});
afterAll(async () => {
  await Promise.all([pool?.end(), cancelPool?.end()]);
  await database?.drop();
});

/** The backend pid of the connection a unit gets, run as Prisma's adapter runs a transaction: BEGIN ... release. */
async function unitOnPool(watching: ReturnType<typeof cancellableConnections>["watching"], signal: AbortSignal, abortMidway?: () => void) {
  const client = await watching(signal, () => pool.connect());
  try {
    await client.query("BEGIN");
    const [row] = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows;
    abortMidway?.();
    await client.query("ROLLBACK");
    return row!.pid;
  } finally {
    client.release();
  }
}

describe("connections taken through cancellableConnections", () => {
  it("go back to the pool for the next unit when no cancel was sent", async () => {
    const { watching } = cancellableConnections(pool, cancelPool);
    const first = await unitOnPool(watching, new AbortController().signal);
    const second = await unitOnPool(watching, new AbortController().signal);
    expect(second).toBe(first);
  });

  it("are closed, not reused, once a cancel was sent on them: it may have hit the unit's ROLLBACK and left the transaction aborted", async () => {
    const { watching } = cancellableConnections(pool, cancelPool);
    const controller = new AbortController();
    const cancelled = await unitOnPool(watching, controller.signal, () => controller.abort(new Error("deadline")));
    const next = await unitOnPool(watching, new AbortController().signal);
    expect(next).not.toBe(cancelled);
    // The cancelled unit's backend goes away (its exit follows the client's Terminate), not idle in the pool.
    const backends = async () =>
      (await cancelPool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1", [cancelled])).rows[0]?.n;
    await expect.poll(backends).toBe(0);
  });
});

describe("the query side's reads (createPgReads)", () => {
  /** The backend pid of the pool's one connection (a new one if the last was closed). */
  const pooledBackend = async () => (await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;

  it("hand their connection on when the work itself failed (a user not found): that says nothing about the connection", async () => {
    const read = createPgReads(pool, cancelPool);
    const before = await pooledBackend();
    const missing = "00000000-0000-4000-8000-000000000000";
    const notFound = read(
      async ({ users }) => {
        if (!(await users.getById(missing))) throw new UserNotFoundError(missing);
      },
      { signal: new AbortController().signal },
    );
    await expect(notFound).rejects.toThrow(UserNotFoundError);
    expect(await pooledBackend()).toBe(before);
  });
});
