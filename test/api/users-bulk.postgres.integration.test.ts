import { afterAll } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { createTestDatabase, type TestDatabase } from "../support/postgres";
import { describeUsersBulkApi } from "./users-bulk.suite";

// A database of its own on the run's throwaway PostgreSQL server per app the suite opens.
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const database of databases) await database.drop();
});

describeUsersBulkApi("PostgreSQL", async () => {
  const database = await createTestDatabase("users_bulk");
  databases.push(database);
  // A loaded machine must not turn a slow answer into a 504 (as in users-api.postgres.integration.test.ts).
  return createApiHarness({
    hasher: fastTestHasher,
    database: loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent", REQUEST_TIMEOUT_MS: "30000" }),
  });
});
