import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

import { createPgReads } from "../../lib/adapters/pg/pg-reads";
import { PrismaClient } from "../../lib/adapters/prisma/generated/client.ts";
import { createPrismaUnitOfWork } from "../../lib/adapters/prisma/prisma-unit-of-work";
import type { UnitOfWork } from "../../lib/ports/unit-of-work";
import { createTestDatabase, type TestDatabase } from "./postgres";

/**
 * A database of its own on the run's PostgreSQL, with the production unit of work over it (Prisma for units, plain
 * SQL for reads), for tests of background work that runs on the ports without the rest of the app.
 */
export async function openPrismaTestDatabase(name: string): Promise<{
  database: TestDatabase;
  prisma: PrismaClient;
  unitOfWork: UnitOfWork;
  close(): Promise<void>;
}> {
  const database = await createTestDatabase(name);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 6 }) });
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const cancelPool = new pg.Pool({ connectionString: database.url, max: 1 });
  const unitOfWork = createPrismaUnitOfWork(prisma, { read: createPgReads(pool, cancelPool), transactionTimeoutMs: 30_000 });
  return {
    database,
    prisma,
    unitOfWork,
    async close() {
      await prisma.$disconnect();
      await Promise.all([pool.end(), cancelPool.end()]);
      await database.drop();
    },
  };
}
