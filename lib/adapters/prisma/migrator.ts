/**
 * Our own applier of prisma/migrations, writing the same history table as `prisma migrate deploy`.
 *
 * Why not the CLI: its schema engine is a native binary that cannot be downloaded on every machine that runs
 * this project, and an embedded PGlite database cannot be reached by it at all (docs/decisions/001). The
 * history it writes is the one Prisma's own engine writes, so `prisma migrate status/deploy/dev` accept a
 * database migrated here and we accept one migrated by them (../shared/NOTES.md, "Migration history
 * compatible with prisma migrate deploy"):
 * - table `_prisma_migrations` in the session's current schema, created on first use;
 * - checksum = lower-case hex sha256 of migration.sql's UTF-8 text;
 * - a session advisory lock (key 72707369, Prisma's) serialises concurrent appliers; it is held on the one
 *   session everything runs on, so the lock and the work cannot end up on different pooled connections;
 * - directories applied in name order, each script sent as one simple-protocol query, which PostgreSQL runs
 *   as one implicit transaction: a failing script leaves nothing half-applied;
 * - refused: a non-empty schema without history (P3005), an unfinished row not rolled back (P3009);
 * - on failure the error goes to the row's `logs` and applying stops (P3018).
 */
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import type { PGliteInterface } from "@electric-sql/pglite";
import type { ClientBase, QueryResultRow } from "pg";

import { NamedError } from "../../domain/errors";

/** One database session (never a pool: the advisory lock belongs to the session that took it). */
export interface SqlSession {
  /** One statement through the extended protocol, with `$1`-style parameters. */
  query<T extends object>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Simple protocol: may hold several statements, which PostgreSQL runs as one implicit transaction. */
  exec(sql: string): Promise<void>;
}

export function pgSession(client: ClientBase): SqlSession {
  return {
    async query<T extends object>(sql: string, params: unknown[] = []) {
      const result = await client.query<T & QueryResultRow>(sql, params);
      return result.rows;
    },
    async exec(sql) {
      // node-postgres uses the simple query protocol when no parameter array is passed.
      await client.query(sql);
    },
  };
}

export function pgliteSession(db: Pick<PGliteInterface, "query" | "exec">): SqlSession {
  return {
    async query<T extends object>(sql: string, params: unknown[] = []) {
      const result = await db.query<T>(sql, params);
      return result.rows;
    },
    async exec(sql) {
      await db.exec(sql);
    },
  };
}

export interface Migration {
  /** The directory name, e.g. `20261125032212_init`; migrations apply in this order. */
  name: string;
  sql: string;
  checksum: string;
}

export type MigrationErrorCode = "P3005" | "P3009" | "P3018";

export class MigrationError extends NamedError {
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    /** The migration concerned (P3009: the first failed one; P3018: the one that failed now). */
    readonly migration?: string,
    options?: { cause?: unknown },
  ) {
    super(message, { ...options, name: "MigrationError" });
  }
}

export interface MigrationStatus {
  /** Whether `_prisma_migrations` exists at all. */
  historyExists: boolean;
  /** Finished and not rolled back, in name order. */
  applied: string[];
  /** In the directory but not applied (never tried, or rolled back), in name order. */
  pending: string[];
  /** Started but neither finished nor rolled back: `prisma migrate deploy` refuses to go on (P3009). */
  failed: string[];
  /** Applied, but migration.sql has changed since: its checksum differs from the recorded one. */
  modified: string[];
  /** Applied to the database but absent from the directory (e.g. a newer release's migration). */
  unknown: string[];
}

/** Prisma's own lock key, so our applier and `prisma migrate deploy` also exclude each other. */
export const MIGRATION_LOCK_KEY = 72707369;

export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/** Reads `dir` (the prisma/migrations folder): every sub-directory holding a migration.sql, in name order. */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort(byName);
  const migrations: Migration[] = [];
  for (const name of names) {
    let sql: string;
    try {
      sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
    } catch (error) {
      if (isErrnoException(error) && error.code === "ENOENT") continue; // Prisma ignores such folders too
      throw error;
    }
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}

/** Compares the history in the database with `migrations`; reads only, takes no lock. */
export async function migrationStatus(
  session: SqlSession,
  migrations: readonly Migration[],
): Promise<MigrationStatus> {
  const historyExists = await hasHistoryTable(session);
  const rows = historyExists ? await readHistory(session) : [];
  return compare(rows, migrations, historyExists);
}

/**
 * Applies the pending migrations in name order, holding Prisma's advisory lock on `session` throughout.
 * @throws MigrationError P3005 (non-empty schema without history), P3009 (an earlier migration failed and was
 *   not resolved), P3018 (a migration failed now: its error is in the history row's `logs`).
 */
export async function applyMigrations(
  session: SqlSession,
  migrations: readonly Migration[],
): Promise<{ applied: string[] }> {
  await session.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
  try {
    return await applyLocked(session, migrations);
  } finally {
    await session.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
  }
}

async function applyLocked(
  session: SqlSession,
  migrations: readonly Migration[],
): Promise<{ applied: string[] }> {
  if (!(await hasHistoryTable(session))) {
    const objects = await userObjects(session);
    if (objects.length > 0) {
      throw new MigrationError(
        "P3005",
        `The database schema is not empty (it has ${objects.slice(0, 5).join(", ")}${objects.length > 5 ? ", ..." : ""}) ` +
          "but has no migration history. Migrate an empty database, or baseline this one " +
          "(https://pris.ly/d/migrate-baseline).",
      );
    }
    await session.exec(CREATE_HISTORY_TABLE);
  }
  const status = compare(await readHistory(session), migrations, true);
  const firstFailed = status.failed[0];
  if (firstFailed !== undefined) {
    throw new MigrationError(
      "P3009",
      `Migration ${firstFailed} failed earlier and is recorded as unfinished, so no new migration is applied. ` +
        "Fix the database, then mark it with `prisma migrate resolve --applied` or `--rolled-back` " +
        "(https://pris.ly/d/migrate-resolve).",
      firstFailed,
    );
  }
  const pending = new Set(status.pending);
  const applied: string[] = [];
  for (const migration of migrations) {
    if (!pending.has(migration.name)) continue;
    const [row] = await session.query<{ id: string }>(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0) RETURNING id`,
      [randomUUID(), migration.checksum, migration.name],
    );
    if (!row) throw new Error(`Recording migration ${migration.name} returned no row`);
    try {
      await session.exec(migration.sql);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await session.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [row.id, message]);
      throw new MigrationError(
        "P3018",
        `Migration ${migration.name} failed to apply, so later migrations were not applied: ${message}`,
        migration.name,
        { cause: error },
      );
    }
    await session.query(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
      [row.id],
    );
    applied.push(migration.name);
  }
  return { applied };
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished: boolean;
  rolled_back: boolean;
}

/** The DDL `prisma migrate deploy` uses, so either tool can take over a database the other started. */
const CREATE_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

async function hasHistoryTable(session: SqlSession): Promise<boolean> {
  const [row] = await session.query<{ exists: boolean }>(
    `SELECT to_regclass(quote_ident(current_schema()) || '._prisma_migrations') IS NOT NULL AS "exists"`,
  );
  return row?.exists === true;
}

async function readHistory(session: SqlSession): Promise<HistoryRow[]> {
  return session.query<HistoryRow>(
    `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
}

/**
 * Tables, views, sequences and types in the current schema that no extension owns: what makes a schema
 * "not empty" for P3005. Extension members (pg_trgm's functions, ...) do not count.
 */
async function userObjects(session: SqlSession): Promise<string[]> {
  const rows = await session.query<{ name: string }>(
    `SELECT c.relname::text AS name
       FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace
        AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     UNION ALL
     SELECT t.typname::text
       FROM pg_type t
      WHERE t.typnamespace = current_schema()::regnamespace
        AND t.typtype IN ('e', 'd')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d
                         WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
     ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

function compare(
  rows: readonly HistoryRow[],
  migrations: readonly Migration[],
  historyExists: boolean,
): MigrationStatus {
  const onDisk = new Map(migrations.map((migration) => [migration.name, migration]));
  const appliedRows = new Map<string, HistoryRow>();
  const failed = new Set<string>();
  for (const row of rows) {
    if (row.rolled_back) continue; // a rolled-back attempt is retried: the migration is pending again
    if (row.finished) appliedRows.set(row.migration_name, row);
    else failed.add(row.migration_name);
  }
  const applied = [...appliedRows.keys()].sort(byName);
  return {
    historyExists,
    applied,
    pending: migrations
      .map((migration) => migration.name)
      .filter((name) => !appliedRows.has(name) && !failed.has(name)),
    failed: [...failed].sort(byName),
    modified: applied.filter((name) => {
      const migration = onDisk.get(name);
      return migration !== undefined && migration.checksum !== appliedRows.get(name)?.checksum;
    }),
    unknown: applied.filter((name) => !onDisk.has(name)),
  };
}

/** Plain code-unit order, as Prisma sorts migration directories (not locale order). */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && "code" in error;
}
