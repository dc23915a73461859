import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, MIGRATIONS_DIR, type TestDatabase } from "../../../test/support/postgres";
import {
  applyMigrations,
  migrationStatus,
  pgSession,
  readMigrations,
  type Migration,
  type SqlSession,
} from "./migrator";

let real: Migration[];
let scratch: string;
beforeAll(async () => {
  real = await readMigrations(MIGRATIONS_DIR);
  scratch = await mkdtemp(path.join(tmpdir(), "migrator-test-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A migrations folder of our own: the real migrations plus `extra` ({ name: sql }). */
async function migrationsDir(extra: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(scratch, "migrations-"));
  for (const migration of real) {
    await mkdir(path.join(dir, migration.name));
    await writeFile(path.join(dir, migration.name, "migration.sql"), migration.sql);
  }
  for (const [name, sql] of Object.entries(extra)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  await writeFile(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
  await mkdir(path.join(dir, "not_a_migration")); // no migration.sql: ignored, as Prisma does
  return dir;
}

interface HistoryRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished: boolean;
  rolled_back: boolean;
  logs: string | null;
  applied_steps_count: number;
}

const history = (session: SqlSession) =>
  session.query<HistoryRow>(
    `SELECT id, checksum, migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back,
            logs, applied_steps_count FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );

const tableExists = async (session: SqlSession, table: string) =>
  (await session.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [table]))[0]?.found;

describe("readMigrations", () => {
  it("reads each folder's migration.sql in name order, with its sha256 checksum, skipping other entries", async () => {
    const dir = await migrationsDir({
      "30000101000000_later": "SELECT 2;",
      "29990101000000_earlier": "SELECT 1;",
    });
    const migrations = await readMigrations(dir);
    expect(migrations.map((m) => m.name)).toEqual([
      ...real.map((m) => m.name),
      "29990101000000_earlier",
      "30000101000000_later",
    ]);
    expect(migrations.at(-1)).toEqual({
      name: "30000101000000_later",
      sql: "SELECT 2;",
      checksum: createHash("sha256").update("SELECT 2;").digest("hex"),
    });
  });
});

describe("applying migrations on PostgreSQL", () => {
  let database: TestDatabase;
  let client: pg.Client;
  let session: SqlSession;
  const extraClients: pg.Client[] = [];

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    extraClients.push(c);
    return c;
  }

  afterEach(async () => {
    await Promise.all(extraClients.splice(0).map((c) => c.end()));
    await database?.drop();
  });

  async function freshDatabase(name: string): Promise<void> {
    database = await createTestDatabase(name, { migrate: false });
    client = await connect();
    session = pgSession(client);
  }

  it("applies every migration to an empty database, writing the history prisma migrate deploy writes", async () => {
    await freshDatabase("migrator_apply");
    expect(await migrationStatus(session, real)).toMatchObject({
      historyExists: false,
      applied: [],
      pending: real.map((m) => m.name),
    });

    expect(await applyMigrations(session, real)).toEqual({ applied: real.map((m) => m.name) });

    const rows = await history(session);
    expect(rows).toHaveLength(real.length);
    rows.forEach((row, i) => {
      expect(row).toMatchObject({
        migration_name: real[i]?.name,
        checksum: real[i]?.checksum,
        finished: true,
        rolled_back: false,
        logs: null,
        applied_steps_count: 1,
      });
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    });
    expect(await tableExists(session, "users")).toBe(true);
    expect(await migrationStatus(session, real)).toEqual({
      historyExists: true,
      applied: real.map((m) => m.name),
      pending: [],
      failed: [],
      modified: [],
      unknown: [],
    });
    // Again: nothing pending, nothing done.
    expect(await applyMigrations(session, real)).toEqual({ applied: [] });
    expect(await history(session)).toHaveLength(real.length);
  });

  it("refuses a non-empty schema without history (P3005) and writes nothing", async () => {
    await freshDatabase("migrator_p3005");
    await session.exec("CREATE TABLE legacy (id int)");
    await expect(applyMigrations(session, real)).rejects.toMatchObject({
      code: "P3005",
      message: expect.stringContaining("legacy"),
    });
    expect(await tableExists(session, "_prisma_migrations")).toBe(false);
    expect(await tableExists(session, "users")).toBe(false);
  });

  it("does not count objects owned by an extension as a non-empty schema", async () => {
    await freshDatabase("migrator_extension");
    await session.exec("CREATE EXTENSION pg_trgm");
    expect(await applyMigrations(session, real)).toEqual({ applied: real.map((m) => m.name) });
  });

  it("records a failing migration's error, applies none of it, stops (P3018), then refuses to go on (P3009)", async () => {
    await freshDatabase("migrator_p3018");
    const dir = await migrationsDir({
      "30000101000000_broken": "CREATE TABLE half_done (id int);\nSELECT 1 / 0;",
      "30000102000000_after": "CREATE TABLE after_broken (id int);",
    });
    const migrations = await readMigrations(dir);

    const failure = await applyMigrations(session, migrations).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: "P3018",
      migration: "30000101000000_broken",
      message: expect.stringContaining("division by zero"),
    });
    expect(await tableExists(session, "users")).toBe(true); // the earlier migration stays applied
    expect(await tableExists(session, "half_done")).toBe(false); // the script ran as one transaction
    expect(await tableExists(session, "after_broken")).toBe(false); // and applying stopped there
    const broken = (await history(session)).find((row) => row.migration_name === "30000101000000_broken");
    expect(broken).toMatchObject({ finished: false, rolled_back: false, applied_steps_count: 0 });
    expect(broken?.logs).toContain("division by zero");
    expect(await migrationStatus(session, migrations)).toMatchObject({
      failed: ["30000101000000_broken"],
      pending: ["30000102000000_after"],
    });

    await expect(applyMigrations(session, migrations)).rejects.toMatchObject({
      code: "P3009",
      migration: "30000101000000_broken",
    });

    // `prisma migrate resolve --rolled-back`, a fixed script, and the migration is applied again.
    await session.query(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1`, [
      "30000101000000_broken",
    ]);
    await writeFile(
      path.join(dir, "30000101000000_broken", "migration.sql"),
      "CREATE TABLE half_done (id int);",
    );
    const fixed = await readMigrations(dir);
    expect(await applyMigrations(session, fixed)).toEqual({
      applied: ["30000101000000_broken", "30000102000000_after"],
    });
    expect(await migrationStatus(session, fixed)).toMatchObject({ pending: [], failed: [], modified: [] });
  });

  it("reports applied migrations whose file changed, and applied migrations missing from the folder", async () => {
    await freshDatabase("migrator_drift");
    const dir = await migrationsDir({ "30000101000000_extra": "CREATE TABLE extra (id int);" });
    await applyMigrations(session, await readMigrations(dir));
    const edited = real.map((m) => ({ ...m, sql: `${m.sql}\n-- edited`, checksum: "0".repeat(64) }));
    expect(await migrationStatus(session, edited)).toMatchObject({
      applied: [...real.map((m) => m.name), "30000101000000_extra"],
      pending: [],
      modified: real.map((m) => m.name),
      unknown: ["30000101000000_extra"],
    });
  });

  it("serialises concurrent appliers on Prisma's advisory lock: each migration is applied once", async () => {
    await freshDatabase("migrator_concurrent");
    const sessions = [session, pgSession(await connect()), pgSession(await connect())];
    const results = await Promise.all(sessions.map((s) => applyMigrations(s, real)));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(real.map((m) => m.name).sort());
    expect(await history(session)).toHaveLength(real.length);
    // The lock is released: another applier can take it at once.
    const [{ locked } = { locked: false }] = await session.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(72707369) AS locked",
    );
    expect(locked).toBe(true);
  });
});

// The migrator on PGlite is checked in prisma-pglite.integration.test.ts, on that file's instance: starting
// another PGlite costs seconds of CPU.
