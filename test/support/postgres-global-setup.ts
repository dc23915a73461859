/**
 * Vitest global setup of the `integration` project: ONE throwaway PostgreSQL server per run, shared by every
 * test file (each file creates its own database on it: test/support/postgres.ts). Its URL reaches the test
 * workers through `provide`/`inject`; teardown stops the server and deletes its directory.
 */
import type { TestProject } from "vitest/node";

import { startPostgresServer } from "./postgres-server";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the run's throwaway PostgreSQL server (database `postgres`). */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgresServer();
  project.provide("postgresUrl", server.url);
  return () => server.stop();
}
