import { afterAll } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { createTestDatabase, type TestDatabase } from "../support/postgres";
import { describeSignInThrottle } from "./sign-in-throttle.suite";

// A database of its own on the run's throwaway PostgreSQL server.
let database: TestDatabase | undefined;
afterAll(async () => {
  await database?.drop();
});

describeSignInThrottle("PostgreSQL", async (clock) => {
  database = await createTestDatabase("sign_in_throttle");
  // A loaded machine must not turn a slow answer into a 504 (as in users-api.postgres.integration.test.ts).
  return createApiHarness({
    hasher: fastTestHasher,
    clock,
    database: loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent", REQUEST_TIMEOUT_MS: "30000" }),
  });
});
