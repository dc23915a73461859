/**
 * API harnesses on a real database of their own, as the *.pglite and *.postgres integration files open them: the
 * production adapters, fastTestHasher and silent logs, plus the settings a file needs. Closing one closes its app
 * and then removes its database, so a file (or a suite that closes what it opens) leaves nothing behind.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { inject } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher, type ApiHarnessOptions } from "./api-harness";
import { createTestDatabase } from "./postgres";

type ApiHarness = Awaited<ReturnType<typeof createApiHarness>>;
/** Configuration variables, as the environment would give them. */
type Settings = Record<string, string>;
type Options = Omit<ApiHarnessOptions, "database">;

export type DatabaseHarness = ApiHarness & {
  /**
   * Another app on the same database (as another replica, or the next start, would be), with `settings` rather
   * than this one's; closing it leaves the database.
   */
  another(settings?: Settings, options?: Options): Promise<ApiHarness>;
};

export type PostgresHarness = DatabaseHarness & {
  /** The database's URL, for the test's own SQL. */
  databaseUrl: string;
};

/** An app on a new PostgreSQL database (named after `name`) on the run's throwaway server. */
export async function openPostgresHarness(name: string, settings: Settings = {}, options: Options = {}): Promise<PostgresHarness> {
  const database = await createTestDatabase(name);
  const opened = await openOn({ DATABASE_URL: database.url }, settings, options, () => database.drop());
  return { ...opened, databaseUrl: database.url };
}

/**
 * An app on PGlite in a data directory of its own (named after `prefix`), as `npm start` runs it: a copy of the
 * run's migrated, empty embedded database (test/support/pglite-template-global-setup.ts), which costs a ninth of
 * creating one.
 */
export function openPgliteHarness(prefix: string, settings: Settings = {}, options: Options = {}): Promise<DatabaseHarness> {
  const template = inject("pgliteTemplate");
  if (!template) {
    throw new Error(
      "No embedded database to copy: openPgliteHarness works only in the `integration` vitest project, whose global " +
        "setup (test/support/pglite-template-global-setup.ts) makes one.",
    );
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  cpSync(template, dataDir, { recursive: true });
  return openOn({ DATA_DIR: dataDir }, settings, options, async () => rmSync(dataDir, { recursive: true, force: true }));
}

async function openOn(location: Settings, settings: Settings, options: Options, remove: () => Promise<void>): Promise<DatabaseHarness> {
  const open = (more: Settings, moreOptions: Options) =>
    createApiHarness({ hasher: fastTestHasher, ...moreOptions, database: loadConfig({ ...location, LOG_LEVEL: process.env.HARNESS_LOG_LEVEL ?? "silent", ...more }) });
  let harness: ApiHarness;
  try {
    harness = await open(settings, options);
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    ...harness,
    another: (more = {}, moreOptions = {}) => open(more, moreOptions),
    async close() {
      await harness.close();
      await remove();
    },
  };
}
