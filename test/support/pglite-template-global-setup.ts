/**
 * Vitest global setup of the `integration` project: ONE embedded database per run, created and migrated by the
 * app's own openDatabase as a first `npm start` would, then closed. openPgliteHarness
 * (test/support/database-harness.ts) gives each app it opens a copy of its folder: creating a PGlite folder runs
 * initdb inside WebAssembly, about 9 s of CPU on our two cores, where copying one and opening the copy costs about
 * 1 s (issue 23). The first open itself stays tested where it is the subject: open-database.integration.test.ts,
 * the process tests and the end-to-end server start on new, empty folders.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import type { TestProject } from "vitest/node";

import { loadConfig } from "../../lib/config";
import { openDatabase } from "../../lib/adapters/prisma/open-database";
import { createLogger } from "../../lib/adapters/pino/logger";

declare module "vitest" {
  export interface ProvidedContext {
    /** A closed, migrated embedded database's folder, to copy and never to open in place. */
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratch = mkdtempSync(path.join(tmpdir(), "user-console-pglite-template-"));
  const dataDir = path.join(scratch, "data");
  const opened = await openDatabase(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }), createLogger({ LOG_LEVEL: "silent" }), {
    migrationsDir: path.resolve(import.meta.dirname, "../../prisma/migrations"),
  });
  await opened.lifecycle.close();
  project.provide("pgliteTemplate", dataDir);
  return async () => rmSync(scratch, { recursive: true, force: true });
}
