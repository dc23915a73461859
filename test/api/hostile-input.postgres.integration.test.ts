/**
 * The hostile-input suite on PostgreSQL (a database of its own on the run's throwaway server), opened once for
 * every route, with fewer runs than in memory.
 */
import { afterAll } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { createTestDatabase, type TestDatabase } from "../support/postgres";
import { describeHostileInput } from "./hostile-input.suite";

let database: TestDatabase | undefined;
let harness: ReturnType<typeof createApiHarness> | undefined;
afterAll(async () => {
  await (await harness)?.close();
  await database?.drop();
});

async function open() {
  database = await createTestDatabase("hostile_input");
  return createApiHarness({ hasher: fastTestHasher, database: loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent" }) });
}

describeHostileInput("PostgreSQL", () => (harness ??= open()), {
  file: "test/api/hostile-input.postgres.integration.test.ts",
  runs: 10,
  project: "integration",
});
