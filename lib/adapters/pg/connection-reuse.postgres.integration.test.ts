import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres";
import { UserNotFoundError } from "../../domain/errors";
import { createPgReads } from "./pg-reads";
import { cancellableConnections } from "./statement-cancellation";

/**
 * Which pooled connections are handed on to the next unit, and in what state: a connection is reused unless
 * something may have left it unsound, and then it is closed. One connection in each pool, so the next unit gets
 * the previous unit's connection (the same backend pid) unless it was closed.
 */
let database: TestDatabase;
let pool: pg.Pool;
let cancelPool: pg.Pool;
/** How many cancels were sent through `cancelPool`. */
let cancelsSent = 0;
let watching: ReturnType<typeof cancellableConnections>["watching"];
beforeAll(async () => {
  database = await createTestDatabase("connection_reuse");
  pool = new pg.Pool({ connectionString: database.url, max: 1 });
  cancelPool = new pg.Pool({ connectionString: database.url, max: 1 });
  const counting = { query: (...args: Parameters<pg.Pool["query"]>) => (cancelsSent++, cancelPool.query(...args)) } as pg.Pool;
  ({ watching } = cancellableConnections(pool, counting));
});
afterAll(async () => {
  await Promise.all([pool?.end(), cancelPool?.end()]);
  await database?.drop();
});

/** The backend pid of the pool's one connection (a new one if the last was closed). */
const pooledBackend = async () => (await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;

describe("a transaction's connection (cancellableConnections, as Prisma's adapter takes it)", () => {
  it("goes back to the pool as it is when no cancel was sent", async () => {
    const before = await pooledBackend();
    const client = await watching(new AbortController().signal, () => pool.connect());
    await client.query("BEGIN");
    await client.query("ROLLBACK");
    client.release();
    expect(await pooledBackend()).toBe(before);
  });

  it("is handed on with its transaction ended after a cancel, even one that hit the unit's own ROLLBACK", async () => {
    const before = await pooledBackend();
    const controller = new AbortController();
    const sent = cancelsSent;
    const client = await watching(controller.signal, () => pool.connect());
    await client.query("BEGIN");
    // The state a cancel that lands on the unit's ROLLBACK leaves: a transaction open and aborted.
    await expect(client.query("SELECT 1/0")).rejects.toThrow(/division by zero/);
    controller.abort(new Error("deadline"));
    client.release();
    expect(cancelsSent).toBe(sent + 1);
    // The next unit's BEGIN works (not 25P02 "current transaction is aborted"), on the same connection.
    const next = await pool.connect();
    try {
      await next.query("BEGIN");
      expect((await next.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid).toBe(before);
      await next.query("ROLLBACK");
    } finally {
      next.release();
    }
  });

  it("sends no cancel when the signal had aborted before the connection was taken: nothing of the unit ran on it", async () => {
    const sent = cancelsSent;
    const client = await watching(AbortSignal.abort(new Error("gone")), () => pool.connect());
    client.release();
    expect(await pooledBackend()).toBeGreaterThan(0);
    expect(cancelsSent).toBe(sent);
  });
});

describe("the query side's reads (createPgReads)", () => {
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

  it("close it when a statement failed on our side (a client-side timeout: the statement may still be running)", async () => {
    const timing = new pg.Pool({ connectionString: database.url, max: 1, query_timeout: 300 });
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      const backendOf = async () => (await timing.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      const before = await backendOf();
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      const read = createPgReads(timing, cancelPool);
      await expect(read(({ users }) => users.getById("00000000-0000-4000-8000-000000000000"), {})).rejects.toThrow(/timeout/i);
      await locker.query("ROLLBACK");
      expect(await backendOf()).not.toBe(before);
    } finally {
      await locker.end();
      await timing.end();
    }
  });

  it("close it, and the process lives on, when the server ends the session while the read holds it between statements", async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const read = createPgReads(pool, cancelPool);
      const before = await pooledBackend();
      const missing = "00000000-0000-4000-8000-000000000000";
      const ended = read(
        async ({ users }) => {
          await users.getById(missing);
          // The session ends while no statement of ours runs on it: node-postgres reports that as an 'error' event
          // on the checked-out client, which nothing but the read listens to (unheard, it would crash the process).
          await admin.query("SELECT pg_terminate_backend($1)", [before]);
          while ((await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [before])).rowCount) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          // The server has closed the socket: let the client read the news before the next statement is sent.
          await new Promise((resolve) => setTimeout(resolve, 50));
          return users.getById(missing);
        },
        { signal: new AbortController().signal },
      );
      await expect(ended).rejects.toThrow(/terminat|not queryable|connection/i);
      // Closed, not handed on: the next read gets a new session, and works.
      expect(await pooledBackend()).not.toBe(before);
      await expect(read(({ users }) => users.getById(missing), {})).resolves.toBeNull();
    } finally {
      await admin.end();
    }
  });
});
