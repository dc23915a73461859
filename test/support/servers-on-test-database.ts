/**
 * The set-up that whole-process test files share: the production build, a database of the file's own on the
 * run's PostgreSQL server, and production servers started on it, all ended after the file.
 */
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

import { ensureBuild, freePort, startServer, type RunningServer } from "./built-server";
import { BOOTSTRAP_PASSWORD } from "./http-accounts";
import { createTestDatabase, type TestDatabase } from "./postgres";

export interface ServersOnTestDatabase {
  /** The file's database. */
  readonly database: TestDatabase;
  /** A pool on the database for the test's own queries, opened on first use. */
  readonly sql: pg.Pool;
  /** Every server started so far, in order. */
  readonly servers: readonly RunningServer[];
  /**
   * Starts a production server on the database, with the bootstrap admin's password (BOOTSTRAP_PASSWORD) and no
   * shutdown delay, `env` on top; resolves once it is ready.
   */
  start(env?: Record<string, string>): Promise<RunningServer>;
}

/**
 * Call at the top of a test file, before its own hooks: its beforeAll (the build, then the database) runs first,
 * its afterAll (every server stopped with `stopWith` and waited for, the pool ended, the database dropped) last,
 * as vitest runs afterAll hooks in reverse. What it returns may be used from the file's own hooks and tests on.
 * @param name the database's name, before a random suffix.
 * @param options.stopWith the signal the servers still running at the end get: SIGKILL for a test that must not
 *   wait for a graceful shutdown.
 * @param options.poolSize connections of `sql` at the most.
 */
export function serversOnTestDatabase(
  name: string,
  options: { stopWith?: "SIGTERM" | "SIGKILL"; poolSize?: number } = {},
): ServersOnTestDatabase {
  let database: TestDatabase | undefined;
  let sql: pg.Pool | undefined;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    await ensureBuild();
    database = await createTestDatabase(name);
  });
  afterAll(async () => {
    for (const server of servers) server.child.kill(options.stopWith ?? "SIGTERM");
    await Promise.all(servers.map((server) => server.exited));
    await sql?.end();
    await database?.drop();
  });

  const opened = (): TestDatabase => {
    if (!database) throw new Error(`the database of ${name} is made in beforeAll: use it from a hook or a test`);
    return database;
  };

  return {
    get database() {
      return opened();
    },
    get sql() {
      sql ??= new pg.Pool({ connectionString: opened().url, max: options.poolSize ?? 2 });
      return sql;
    },
    servers,
    async start(env = {}) {
      const server = startServer({
        port: await freePort(),
        env: { DATABASE_URL: opened().url, BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD, SHUTDOWN_DELAY_MS: "0", ...env },
      });
      servers.push(server);
      await server.waitUntilReady();
      return server;
    },
  };
}
