import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { userRepositoryContract } from "../../../test/contract/user-repository.contract";
import { resetDatabase } from "../../../test/support/reset-database";
import { MIGRATIONS_DIR } from "../../../test/support/postgres";
import { PrismaClient } from "./generated/client.ts";
import { applyMigrations, migrationStatus, pgliteSession, readMigrations, type Migration } from "./migrator";
import { readsOn } from "../sql/sql-user-queries";
import { createPrismaLifecycle, createPrismaUnitOfWork } from "./prisma-unit-of-work";

// One in-memory PGlite for the whole file (starting one costs seconds of CPU), emptied before each test.
const pglite = new PGlite({ extensions: { pg_trgm } });
const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
const lifecycle = createPrismaLifecycle(prisma, { closeUnderlying: () => pglite.close() });
let migrations: Migration[];
let firstApply: { applied: string[] };

beforeAll(async () => {
  migrations = await readMigrations(MIGRATIONS_DIR);
  firstApply = await applyMigrations(pgliteSession(pglite), migrations);
});
afterAll(() => lifecycle.close());

describe("migrator on PGlite", () => {
  it("applied every migration once and reports the database up to date; applying again does nothing", async () => {
    const session = pgliteSession(pglite);
    expect(firstApply).toEqual({ applied: migrations.map((m) => m.name) });
    expect(await migrationStatus(session, migrations)).toMatchObject({
      applied: migrations.map((m) => m.name),
      pending: [],
      failed: [],
      modified: [],
    });
    expect(await applyMigrations(session, migrations)).toEqual({ applied: [] });
    const rows = await session.query<{ checksum: string }>(
      `SELECT checksum FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(rows.map((row) => row.checksum)).toEqual(migrations.map((m) => m.checksum));
  });
});

describe("lifecycle on PGlite", () => {
  it("answers a ping, and refuses one under an aborted signal", async () => {
    await expect(lifecycle.ping()).resolves.toBeUndefined();
    const controller = new AbortController();
    controller.abort(new Error("probe timed out"));
    await expect(lifecycle.ping(controller.signal)).rejects.toThrow("probe timed out");
  });
});

userRepositoryContract("prisma-pglite", async () => {
  const unitOfWork = createPrismaUnitOfWork(prisma, { read: readsOn(pgliteSession(pglite)) });
  return {
    async fresh() {
      await resetDatabase((sql) => pglite.exec(sql));
      return unitOfWork;
    },
  };
});
