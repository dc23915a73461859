/**
 * Opens the configured database: embedded PGlite in DATA_DIR when DATABASE_URL is unset, PostgreSQL through
 * node-postgres otherwise. Both end up as the same Prisma client behind the same ports, so the rest of the app
 * runs one code path on either (issue 2, item 4). The embedded database's folder, and the lock that keeps it to one
 * process, are embedded-data-folder.ts.
 *
 * Every way this can fail for a reason the operator can fix becomes a {@link DatabaseOpenError} whose message
 * is one line naming the problem and the fix, and leaves nothing behind: no data folder on a failing path, no
 * open connection, no lock.
 */
import path from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";

import type { Config } from "../../config";
import type { DatabaseLifecycle } from "../../ports/database";
import type { Logger } from "../../ports/logger";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { createPgReads } from "../pg/pg-reads";
import { CANCEL_WAIT_MS, cancellableConnections } from "../pg/statement-cancellation";
import { readsOn } from "../sql/sql-user-queries";
import { DatabaseOpenError, errorCode, oneLine } from "./database-open-error";
import { holdDataFolder } from "./embedded-data-folder";
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
import {
  createPrismaLifecycle,
  createPrismaUnitOfWork,
} from "./prisma-unit-of-work";

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

export { DatabaseOpenError } from "./database-open-error";

type DatabaseConfig = Pick<
  Config,
  "DATABASE_URL" | "DATA_DIR" | "MIGRATE_ON_START" | "DB_TIMEOUT_MS" | "DB_POOL_SIZE" | "DB_POOL_WAIT_MS"
>;

export async function openDatabase(
  config: DatabaseConfig,
  log: Logger,
  options: OpenDatabaseOptions = {},
): Promise<OpenedDatabase> {
  const migrationsDir =
    options.migrationsDir ?? path.join(/*turbopackIgnore: true*/ process.cwd(), "prisma", "migrations");
  let migrations: Migration[];
  try {
    migrations = await readMigrations(migrationsDir);
  } catch (error) {
    throw new DatabaseOpenError(
      `Cannot read the migrations in ${migrationsDir} (${errorCode(error) ?? oneLine(String(error))}): ` +
        "start the app from its root folder, which holds prisma/migrations",
      { cause: error },
    );
  }
  return config.DATABASE_URL === undefined
    ? openEmbedded(config, migrations, log)
    : openPostgres(config.DATABASE_URL, config, migrations, options.migrations, log);
}

/** PGlite in DATA_DIR, once the folder is held by this process (embedded-data-folder.ts). */
async function openEmbedded(
  config: DatabaseConfig,
  migrations: Migration[],
  log: Logger,
): Promise<OpenedDatabase> {
  const description = `embedded database in ${config.DATA_DIR}`;
  const folder = await holdDataFolder(config.DATA_DIR, description, log);
  const { dataDir } = folder;
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir, extensions: { pg_trgm } });
    const session = pgliteSession(db);
    const before = await migrationStatus(session, migrations);
    const { applied } = await migrate(session, migrations, `the ${description}`);
    const pglite = db;
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    log.debug({ dataDir, applied }, "embedded database open");
    return {
      kind: "embedded",
      description,
      fresh: !before.historyExists,
      appliedMigrations: applied,
      unitOfWork: createPrismaUnitOfWork(prisma, { transactionTimeoutMs: config.DB_TIMEOUT_MS, read: readsOn(session) }),
      lifecycle: createPrismaLifecycle(prisma, {
        closeUnderlying: async () => {
          try {
            await pglite.close();
          } finally {
            await folder.release();
          }
        },
      }),
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await folder.abandon();
    throw error;
  }
}

/** How much longer Prisma waits to start a transaction than the pool waits for a connection. */
const POOL_DECIDES_MARGIN_MS = 500;

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
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis });
  } catch (error) {
    // node-postgres reads sslrootcert/sslcert/sslkey files named in the URL right here.
    throw new DatabaseOpenError(
      `DATABASE_URL for ${description} cannot be used (${oneLine(String(error))}): fix DATABASE_URL`,
      { cause: error },
    );
  }
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
    // Waiting for a free connection ends here (503 DATABASE_BUSY), not at the deadline; a new connection to the
    // server gets the same time.
    connectionTimeoutMillis: Math.max(config.DB_POOL_WAIT_MS, 1),
    idleTimeoutMillis: 30_000,
    // A unit of work abandoned at its deadline must not keep running on the server; the migration session
    // above has no such limit, since a migration may legitimately take long.
    statement_timeout: config.DB_TIMEOUT_MS,
  });
  // An idle pooled connection that dies (server restart) must not crash the process; the next query reconnects.
  pool.on("error", (error) => log.warn({ err: error }, "idle PostgreSQL connection lost"));
  // Cancels of statements past their deadline go through a connection of their own: the main pool is usually
  // full exactly when deadlines fire, and a cancel queued behind the work it should stop would come too late.
  // Bounded like everything else: a cancel not confirmed in time gets its connection discarded instead
  // (statement-cancellation.ts), and a half-open cancel connection is noticed.
  const cancelPool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis,
    idleTimeoutMillis: 30_000,
    query_timeout: CANCEL_WAIT_MS,
    keepAlive: true,
  });
  cancelPool.on("error", (error) => log.warn({ err: error }, "idle PostgreSQL cancel connection lost"));
  // Before Prisma's adapter gets the pool: the connections its transactions take are then watched for aborts.
  const transactions = cancellableConnections(pool, cancelPool);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  log.debug({ target, applied }, "PostgreSQL open");
  return {
    kind: "postgres",
    description,
    fresh: false,
    appliedMigrations: applied,
    unitOfWork: createPrismaUnitOfWork(prisma, {
      read: createPgReads(pool, cancelPool),
      transactionTimeoutMs: config.DB_TIMEOUT_MS,
      // Longer than the pool's own wait (connectionTimeoutMillis above), so the pool decides what a slow start
      // was: no free connection in time (busy) or a new connection the server never answered (unreachable, which
      // counts towards the circuit breaker; issue 17). At the same length Prisma's timer fired first and called a
      // black-holed database merely busy.
      maxWaitMs: config.DB_POOL_WAIT_MS + POOL_DECIDES_MARGIN_MS,
      watching: transactions.watching,
    }),
    lifecycle: createPrismaLifecycle(prisma, {
      closeUnderlying: async () => {
        await Promise.all([pool.end(), cancelPool.end()]);
      },
      // Another replica (or an operator) may migrate; one of an older build must then stop taking traffic only
      // if its own migrations are missing, which this reports.
      pendingMigrations: async () => {
        const client = await pool.connect();
        try {
          return (await migrationStatus(pgSession(client), migrations)).pending;
        } finally {
          client.release();
        }
      },
      connections: () => ({ inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    }),
  };
}

/** @param subject what is migrated, for the message: "the embedded database in ./data", "PostgreSQL at ...". */
async function migrate(
  session: SqlSession,
  migrations: Migration[],
  subject: string,
): Promise<{ applied: string[] }> {
  try {
    return await applyMigrations(session, migrations);
  } catch (error) {
    if (error instanceof MigrationError) {
      throw new DatabaseOpenError(`Cannot migrate ${subject}: ${oneLine(error.message)}`, {
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
      `Migration ${failed} failed on ${description} and is unresolved: fix the database, mark it with ` +
        "`npx prisma migrate resolve`, then run `npm run db:migrate`",
    );
  }
  const [modified] = status.modified;
  if (modified !== undefined) {
    throw new DatabaseOpenError(
      `Migration ${modified} was changed after it was applied to ${description}: restore its ` +
        "migration.sql from version control (write a new migration instead of editing an applied one)",
    );
  }
  if (status.pending.length > 0) {
    const count = status.pending.length;
    throw new DatabaseOpenError(
      `${description} has ${count} pending migration${count === 1 ? "" : "s"} ` +
        `(${status.pending.join(", ")}): run \`npm run db:migrate\`, or set MIGRATE_ON_START=true`,
    );
  }
}

/** host:port/database, without credentials. */
function describePostgres(url: string): string {
  const parsed = new URL(url);
  const database = safeDecode(parsed.pathname.replace(/^\//, "")) || "(default database)";
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

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
