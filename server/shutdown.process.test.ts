import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../test/support/postgres";
import { ensureBuild, freePort, startServer } from "../test/support/built-server";
import { BOOTSTRAP_PASSWORD, firstSignIn } from "../test/support/http-accounts";

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
        BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD,
      },
    });
    const locker = new pg.Client({ connectionString: database.url });
    try {
      await server.waitUntilReady();

      // Hold a real request in flight: a signed-in /users waits on the users table (checking who is signed in
      // reads it), which this transaction locks.
      const cookie = await firstSignIn(server.baseUrl);
      await locker.connect();
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      const held = fetch(`${server.baseUrl}/users`, { headers: { cookie } });
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
      expect(await response.text()).toMatch(/<h1[^>]*>Users<\/h1>/);

      expect(await server.exited).toBe(0);
      expect(server.output()).toContain("database closed; exiting");
    } finally {
      await locker.end().catch(() => undefined);
      server.child.kill("SIGKILL");
    }
  });

  it("a second signal exits at once", async () => {
    const port = await freePort();
    const server = startServer({ port, env: { DATABASE_URL: database.url, BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD, SHUTDOWN_DELAY_MS: "60000" } });
    try {
      await server.waitUntilReady();
      server.child.kill("SIGTERM");
      await server.waitForOutput(/\/ready now fails; serving 60000 ms more/);
      // A repeat within a second counts as the same signal: a terminal's Ctrl-C reaches both npm and the server,
      // and npm forwards it to its child as well (decision 002).
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      server.child.kill("SIGTERM");

      // 143 = 128 + SIGTERM's number, which the server's handler exits with, as a shell reports a process the
      // signal killed. The harness reports a process killed by SIGTERM as 143 too, so the child's own exit code
      // (null when a signal ended it) shows that the handler, not the signal, ended it.
      expect(await server.exited).toBe(143);
      expect(server.child.exitCode).toBe(143);
      expect(server.child.signalCode).toBeNull();
      expect(server.output()).toContain("SIGTERM again: exiting at once");
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("a SIGTERM during a slow start (a new embedded database) stops start-up, closes the database, exits 0", async () => {
    const port = await freePort();
    const scratch = await mkdtemp(path.join(tmpdir(), "shutdown-starting-"));
    const dataDir = path.join(scratch, "data");
    const lock = path.join(dataDir, "user-console.lock");
    // Creating, migrating and seeding a new embedded database takes seconds: the signal lands inside it.
    const server = startServer({ port, env: { DATA_DIR: dataDir, SHUTDOWN_DELAY_MS: "60000" } });
    try {
      await expect.poll(() => existsSync(lock), { timeout: 30_000, interval: 20 }).toBe(true);
      server.child.kill("SIGTERM");

      expect(await server.exited).toBe(0);
      expect(server.child.signalCode).toBeNull();
      expect(server.output()).toContain("SIGTERM during start-up: stopping");
      expect(server.output()).toContain("database closed; exiting");
      expect(server.output()).not.toContain("listening on");
      // Closed, not abandoned: the folder's lock is released at once instead of going stale in 30 s.
      expect(existsSync(lock)).toBe(false);
    } finally {
      server.child.kill("SIGKILL");
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
