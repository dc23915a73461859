import { connect } from "node:net";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../test/support/postgres";
import { ensureBuild, freePort, startServer } from "../test/support/built-server";

let database: TestDatabase;
beforeAll(async () => {
  await ensureBuild();
  database = await createTestDatabase("shutdown");
});
afterAll(async () => {
  await database?.drop();
});

/** Opens a TCP connection and reports how it went: the listener's state, not an HTTP client's. */
function tryConnect(port: number): Promise<"connected" | string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("graceful shutdown on SIGTERM", () => {
  it("fails readiness at once, finishes the request in flight, refuses new connections after the delay, exits 0", async () => {
    const port = await freePort();
    const server = startServer({
      port,
      env: {
        DATABASE_URL: database.url,
        SHUTDOWN_DELAY_MS: "1500",
        SHUTDOWN_TIMEOUT_MS: "30000",
        DB_TIMEOUT_MS: "30000",
      },
    });
    const locker = new pg.Client({ connectionString: database.url });
    try {
      await server.waitUntilReady();

      // Hold a real request in flight: /users waits on the users table, which this transaction locks.
      await locker.connect();
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      const held = fetch(`${server.baseUrl}/users`);
      await expect
        .poll(async () => {
          const { rows } = await locker.query<{ waiting: number }>(
            "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          );
          return rows[0]?.waiting;
        })
        .toBe(1);

      server.child.kill("SIGTERM");
      await server.waitForOutput(/\/ready now fails/);
      const ready = await fetch(`${server.baseUrl}/ready`, { headers: { connection: "close" } });
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: "unavailable", checks: { draining: "shutting down" } });

      await server.waitForOutput(/listener closed; waiting up to 30000 ms for 1 in-flight request/);
      expect(await tryConnect(port)).toBe("ECONNREFUSED");

      await locker.query("COMMIT");
      const response = await held;
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("<h1>Users</h1>");

      expect(await server.exited).toBe(0);
      expect(server.output()).toContain("database closed; exiting");
    } finally {
      await locker.end().catch(() => undefined);
      server.child.kill("SIGKILL");
    }
  });

  it("a second signal exits at once", async () => {
    const port = await freePort();
    const server = startServer({ port, env: { DATABASE_URL: database.url, SHUTDOWN_DELAY_MS: "60000" } });
    try {
      await server.waitUntilReady();
      server.child.kill("SIGTERM");
      await server.waitForOutput(/\/ready now fails; serving 60000 ms more/);
      // A repeat within a second counts as the same signal (npm forwards a terminal's Ctrl-C too).
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      server.child.kill("SIGTERM");

      expect(await server.exited).toBe(143);
      expect(server.output()).toContain("SIGTERM again: exiting at once");
    } finally {
      server.child.kill("SIGKILL");
    }
  });
});
