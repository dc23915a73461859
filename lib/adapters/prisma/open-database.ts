/**
 * Opens the configured database: embedded PGlite in DATA_DIR when DATABASE_URL is unset, PostgreSQL through
 * node-postgres otherwise. Both end up as the same Prisma client behind the same ports, so the rest of the app
 * runs one code path on either (issue 2, item 4).
 *
 * Every way this can fail for a reason the operator can fix becomes a {@link DatabaseOpenError} whose message
 * is one line naming the problem and the fix, and leaves nothing behind: no data folder on a failing path, no
 * open connection, no lock.
 */
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import lockfile from "proper-lockfile";

import type { Config } from "../../config";
import type { DatabaseLifecycle } from "../../ports/database";
import type { Logger } from "../../ports/logger";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { PrismaClient } from "./generated/client.ts";
import {
  applyMigrations,
  MigrationError,
  migrationStatus,
  pgliteSession,
  pgSession,
  readMigrations,
  type Migration,
  type SqlSession,
} from "./migrator";
import { createPrismaLifecycle, createPrismaUnitOfWork } from "./prisma-unit-of-work";

export interface OpenedDatabase {
  unitOfWork: UnitOfWork;
  lifecycle: DatabaseLifecycle;
  kind: "embedded" | "postgres";
  /** "embedded database in ./data" or "PostgreSQL at host:5432/db": never credentials. */
  description: string;
  /** Migrations applied while opening, in order. */
  appliedMigrations: string[];
  /** The database had no migration history before this open: it was created just now. */
  fresh: boolean;
}

export interface OpenDatabaseOptions {
  /**
   * `apply`: apply pending migrations. `check`: refuse to open with pending, failed or modified migrations.
   * Default: `apply` for the embedded database (nobody else can migrate it), and for PostgreSQL `apply` when
   * MIGRATE_ON_START is set, else `check`.
   */
  migrations?: "apply" | "check";
  /** Where the migration folders are; default `prisma/migrations` under the working directory. */
  migrationsDir?: string;
}

/** A failure to open the database that the operator can fix; the message is one line saying how. */
export class DatabaseOpenError extends Error {
  readonly code = "DATABASE_OPEN_FAILED";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseOpenError";
  }
}

type DatabaseConfig = Pick<
  Config,
  "DATABASE_URL" | "DATA_DIR" | "MIGRATE_ON_START" | "DB_TIMEOUT_MS" | "DB_POOL_SIZE"
>;

export async function openDatabase(
  config: DatabaseConfig,
  log: Logger,
  options: OpenDatabaseOptions = {},
): Promise<OpenedDatabase> {
  const migrations = await readMigrations(
    options.migrationsDir ?? path.join(/*turbopackIgnore: true*/ process.cwd(), "prisma", "migrations"),
  );
  return config.DATABASE_URL === undefined
    ? openEmbedded(config, migrations, log)
    : openPostgres(config.DATABASE_URL, config, migrations, options.migrations, log);
}

/** A PGlite folder may be open in one process only; proper-lockfile refreshes this lock while we hold it. */
const LOCK_STALE_MS = 30_000;
const LOCK_FILE = "user-console.lock";

async function openEmbedded(
  config: DatabaseConfig,
  migrations: Migration[],
  log: Logger,
): Promise<OpenedDatabase> {
  const dataDir = path.resolve(config.DATA_DIR);
  const description = `embedded database in ${config.DATA_DIR}`;
  const existed = await isDirectory(dataDir);
  if (existed === "not-a-directory") {
    throw new DatabaseOpenError(`DATA_DIR ${config.DATA_DIR} is a file, not a folder: point DATA_DIR at a folder`);
  }
  // The folder must exist to hold the lock file; creating it is harmless when nobody holds it (a folder held
  // by another process exists already, so a refused lock writes nothing).
  if (!existed) await mkdir(dataDir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, LOCK_FILE),
      realpath: false,
      stale: LOCK_STALE_MS,
      onCompromised: (error) =>
        log.error({ err: error }, `lost the lock on ${description}: another process may be using it`),
    });
  } catch (error) {
    if (hasCode(error, "ELOCKED")) {
      throw new DatabaseOpenError(
        `The ${description} is in use by another process: stop that process, or set DATA_DIR to another folder`,
        { cause: error },
      );
    }
    throw error;
  }

  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir, extensions: { pg_trgm } });
    const session = pgliteSession(db);
    const before = await migrationStatus(session, migrations);
    const { applied } = await migrate(session, migrations, description);
    const pglite = db;
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    log.debug({ dataDir, applied }, "embedded database open");
    return {
      kind: "embedded",
      description,
      fresh: !before.historyExists,
      appliedMigrations: applied,
      unitOfWork: createPrismaUnitOfWork(prisma, { transactionTimeoutMs: config.DB_TIMEOUT_MS }),
      lifecycle: createPrismaLifecycle(prisma, {
        closeUnderlying: async () => {
          try {
            await pglite.close();
          } finally {
            await release();
          }
        },
      }),
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await release();
    throw error;
  }
}

async function openPostgres(
  url: string,
  config: DatabaseConfig,
  migrations: Migration[],
  mode: OpenDatabaseOptions["migrations"],
  log: Logger,
): Promise<OpenedDatabase> {
  const target = describePostgres(url);
  const description = `PostgreSQL at ${target}`;
  const connectionTimeoutMillis = Math.max(config.DB_TIMEOUT_MS, 1_000);

  // Migrations run on one dedicated session: Prisma's advisory lock belongs to the session that took it.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis });
  // A connection error after connect() would otherwise be an unhandled 'error' event.
  client.on("error", (error) => log.warn({ err: error }, "migration session lost"));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new DatabaseOpenError(explainConnectError(error, target), { cause: error });
  }
  let applied: string[];
  try {
    const session = pgSession(client);
    const apply = (mode ?? (config.MIGRATE_ON_START ? "apply" : "check")) === "apply";
    if (apply) {
      ({ applied } = await migrate(session, migrations, description));
    } else {
      await refuseUnmigrated(session, migrations, description);
      applied = [];
    }
  } finally {
    await client.end().catch(() => undefined);
  }

  const pool = new pg.Pool({
    connectionString: url,
    max: config.DB_POOL_SIZE,
    connectionTimeoutMillis,
    idleTimeoutMillis: 30_000,
  });
  // An idle pooled connection that dies (server restart) must not crash the process; the next query reconnects.
  pool.on("error", (error) => log.warn({ err: error }, "idle PostgreSQL connection lost"));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  log.debug({ target, applied }, "PostgreSQL open");
  return {
    kind: "postgres",
    description,
    fresh: false,
    appliedMigrations: applied,
    unitOfWork: createPrismaUnitOfWork(prisma, { transactionTimeoutMs: config.DB_TIMEOUT_MS }),
    lifecycle: createPrismaLifecycle(prisma, { closeUnderlying: () => pool.end() }),
  };
}

async function migrate(
  session: SqlSession,
  migrations: Migration[],
  description: string,
): Promise<{ applied: string[] }> {
  try {
    return await applyMigrations(session, migrations);
  } catch (error) {
    if (error instanceof MigrationError) {
      throw new DatabaseOpenError(`Cannot migrate the ${description}: ${oneLine(error.message)}`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function refuseUnmigrated(
  session: SqlSession,
  migrations: Migration[],
  description: string,
): Promise<void> {
  const status = await migrationStatus(session, migrations);
  const [failed] = status.failed;
  if (failed !== undefined) {
    throw new DatabaseOpenError(
      `Migration ${failed} failed on the ${description} and is unresolved: fix the database, mark it with ` +
        "`npx prisma migrate resolve`, then run `npm run db:migrate`",
    );
  }
  const [modified] = status.modified;
  if (modified !== undefined) {
    throw new DatabaseOpenError(
      `Migration ${modified} was changed after it was applied to the ${description}: restore its ` +
        "migration.sql from version control (write a new migration instead of editing an applied one)",
    );
  }
  if (status.pending.length > 0) {
    const count = status.pending.length;
    throw new DatabaseOpenError(
      `The ${description} has ${count} pending migration${count === 1 ? "" : "s"} ` +
        `(${status.pending.join(", ")}): run \`npm run db:migrate\`, or set MIGRATE_ON_START=true`,
    );
  }
}

/** host:port/database, without credentials. */
function describePostgres(url: string): string {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default database)";
  return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}/${database}`;
}

function explainConnectError(error: unknown, target: string): string {
  const code = errorCode(error);
  const detail = oneLine(error instanceof Error ? error.message : String(error));
  switch (code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
      return `Cannot reach PostgreSQL at ${target} (${code}): start the server, or fix the host and port in DATABASE_URL`;
    case "28P01":
    case "28000":
      return `PostgreSQL at ${target} refused the credentials in DATABASE_URL (${detail}): fix the user or password`;
    case "3D000":
      return `PostgreSQL at ${target}: the database does not exist: create it (createdb), or fix the database name in DATABASE_URL`;
    default:
      if (/timeout/i.test(detail)) {
        return `Cannot reach PostgreSQL at ${target} (no answer in time): start the server, or fix the host and port in DATABASE_URL`;
      }
      return `Cannot connect to PostgreSQL at ${target} (${detail}): check DATABASE_URL and the server`;
  }
}

async function isDirectory(dir: string): Promise<boolean | "not-a-directory"> {
  try {
    return (await stat(dir)).isDirectory() ? true : "not-a-directory";
  } catch (error) {
    if (hasCode(error, "ENOENT")) return false;
    throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function hasCode(error: unknown, code: string): boolean {
  return errorCode(error) === code;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
