/**
 * A fresh PostgreSQL database per test file on the run's throwaway server (started by
 * test/support/postgres-global-setup.ts), migrated with our own applier, so files run in parallel without
 * seeing each other's rows.
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

import pg from "pg";
import { inject } from "vitest";

import { applyMigrations, pgSession, readMigrations } from "../../lib/adapters/prisma/migrator";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

export interface TestDatabase {
  /** Connection URL of the new database (superuser, trust auth). */
  url: string;
  /** Drops the database, closing any connection still open on it. */
  drop(): Promise<void>;
}

/**
 * Creates a database named after `name` plus a random suffix and applies prisma/migrations to it.
 * @param options.migrate false to get an empty database (for tests of the migrator itself).
 */
export async function createTestDatabase(
  name: string,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const serverUrl = inject("postgresUrl");
  if (!serverUrl) {
    throw new Error(
      "No PostgreSQL server: createTestDatabase works only in the `integration` vitest project, whose " +
        "global setup (test/support/postgres-global-setup.ts) starts one.",
    );
  }
  const database = `${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 40)}_${randomBytes(6).toString("hex")}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${database}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (options.migrate !== false) {
    const migrations = await readMigrations(MIGRATIONS_DIR);
    await withClient(url.href, (client) => applyMigrations(pgSession(client), migrations));
  }
  return {
    url: url.href,
    async drop() {
      await withClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
      );
    },
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
