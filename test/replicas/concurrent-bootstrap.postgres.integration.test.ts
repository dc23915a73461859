/**
 * Two replicas starting together on an empty PostgreSQL both start, and the database ends with one first admin.
 * Before the fix the second exited 1 with EmailTakenError: both saw no users, both inserted the admin, and the
 * unique email index refused the second insert once the first committed (nothing retried it). Each round is two
 * whole start-ups (`createApp`, as server/main.ts calls it: migrations, bootstrap, flags) on a database of its own,
 * run at once; nothing in them is stood in for or slowed down.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";

import { createApp, type App } from "../../lib/composition-root";
import { loadConfig } from "../../lib/config";
import { createLogger } from "../../lib/adapters/pino/logger";
import { createTestDatabase, type TestDatabase } from "../support/postgres";

/**
 * Before the fix the second start failed in 13 and in 9 of 20 rounds (two runs on a 2-core machine): 20 rounds
 * make a pass without the fix very unlikely. The same race with two different admin emails, where no unique index
 * refuses the second admin, is the adapter's (test/contract/user-repository.contract.ts, createIfEmpty).
 */
const ROUNDS = 20;
const EMAIL = "first-admin@example.com";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A replica's start-up as server/main.ts does it (its own pool, its own bootstrap), against `database`. */
async function startReplica(database: TestDatabase): Promise<App> {
  const config = loadConfig({
    DATABASE_URL: database.url,
    // The database is new: as in a first rollout, each replica may apply the migrations (one does, the other waits).
    MIGRATE_ON_START: "true",
    BOOTSTRAP_ADMIN_EMAIL: EMAIL,
    BOOTSTRAP_ADMIN_PASSWORD: "a first password of the operator's",
    LOG_LEVEL: "silent",
  });
  const app = await createApp(config, createLogger(config));
  cleanups.push(async () => {
    app.databaseBreaker.stop();
    await app.featureFlags.close();
    await app.database.close();
  });
  return app;
}

async function usersIn(database: TestDatabase) {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const users = await client.query<{ email: string; role: string }>("SELECT email, role::text AS role FROM users");
    const audit = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_entries WHERE action = 'user.bootstrapped'`);
    return { users: users.rows, bootstrapped: audit.rows[0]?.n };
  } finally {
    await client.end();
  }
}

describe("two replicas starting at once on an empty PostgreSQL", () => {
  it(`both start, and one first admin exists (${ROUNDS} rounds)`, { timeout: 240_000 }, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const database = await createTestDatabase("bootstrap_race", { migrate: false });
      cleanups.push(() => database.drop());

      const starts = await Promise.allSettled([startReplica(database), startReplica(database)]);

      const failures = starts.flatMap((start) => (start.status === "rejected" ? [String(start.reason)] : []));
      expect(failures, `round ${round}`).toEqual([]);
      const apps = starts.flatMap((start) => (start.status === "fulfilled" ? [start.value] : []));
      // One of them created the admin and says so (its start-up prints it); the other found it.
      expect(apps.map((app) => app.startup.bootstrapAdmin?.email ?? null).sort(), `round ${round}`).toEqual([EMAIL, null]);
      expect(await usersIn(database), `round ${round}`).toEqual({ users: [{ email: EMAIL, role: "ADMIN" }], bootstrapped: 1 });

      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    }
  });
});
