import { afterAll, beforeAll } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { createTestDatabase, type TestDatabase } from "../support/postgres";
import { describeExportAndOverview } from "./users-export-overview.suite";

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createApiHarness>>;
beforeAll(async () => {
  database = await createTestDatabase("users_export_overview");
  api = await createApiHarness({
    hasher: fastTestHasher,
    // A loaded machine must not turn a slow first page into a 504 (the deadline is tested in memory).
    database: loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent", REQUEST_TIMEOUT_MS: "30000" }),
  });
});
afterAll(async () => {
  await api?.close();
  await database?.drop();
});

describeExportAndOverview("PostgreSQL", () => api);
