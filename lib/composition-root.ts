import "server-only";

import type { Config } from "./config";
import { openDatabase } from "./adapters/prisma/open-database";
import { createInMemoryDatabase } from "./adapters/memory/in-memory-database";
import { withDeadline } from "./adapters/resilience/with-deadline";
import type { DatabaseLifecycle } from "./ports/database";
import type { Logger } from "./ports/logger";
import type { UnitOfWork } from "./ports/unit-of-work";
import { makeListUsers, type ListUsers } from "./use-cases/list-users";
import { makeSeedDemoUsers } from "./use-cases/seed-demo-users";

/**
 * The application, wired. One plain function builds it from configuration (production: Prisma on PostgreSQL
 * or embedded PGlite); a second builds it on in-memory adapters for tests. Nothing else constructs adapters.
 */
export interface App {
  readonly listUsers: ListUsers;
  readonly database: DatabaseLifecycle;
  /** What opening the database did, for the one start-up line the server prints. */
  readonly startup: StartupReport;
}

export interface StartupReport {
  /** "embedded database in ./data" or "PostgreSQL at host:port/db" (no credentials). */
  database: string;
  appliedMigrations: string[];
  /** Demo users created because the embedded database was new; 0 otherwise. */
  seededUsers: number;
}

export async function createApp(config: Config, log: Logger): Promise<App> {
  const db = await openDatabase(config, log);
  try {
    const unitOfWork = decorateDatabasePorts(db.unitOfWork, config);
    const seededUsers =
      db.kind === "embedded" && db.fresh ? await makeSeedDemoUsers({ unitOfWork })() : 0;
    return wire({
      unitOfWork,
      database: db.lifecycle,
      startup: { database: db.description, appliedMigrations: db.appliedMigrations, seededUsers },
    });
  } catch (error) {
    await db.lifecycle.close();
    throw error;
  }
}

/** The same application on in-memory adapters: for unit tests and anything that must not touch a database. */
export function createInMemoryApp(config: Pick<Config, "DB_TIMEOUT_MS">): App {
  const db = createInMemoryDatabase();
  return wire({
    unitOfWork: decorateDatabasePorts(db.unitOfWork, config),
    database: db.lifecycle,
    startup: { database: "in-memory", appliedMigrations: [], seededUsers: 0 },
  });
}

/**
 * The one place where database ports are wrapped with cross-cutting protection, innermost first: a deadline
 * per unit of work now; the circuit breaker and concurrency limit go here too.
 */
function decorateDatabasePorts(unitOfWork: UnitOfWork, config: Pick<Config, "DB_TIMEOUT_MS">): UnitOfWork {
  return withDeadline(unitOfWork, config.DB_TIMEOUT_MS);
}

function wire(deps: { unitOfWork: UnitOfWork; database: DatabaseLifecycle; startup: StartupReport }): App {
  return {
    listUsers: makeListUsers({ unitOfWork: deps.unitOfWork }),
    database: deps.database,
    startup: deps.startup,
  };
}
