import { afterAll, beforeAll } from "vitest";

import { openPostgresHarness, type DatabaseHarness } from "../support/database-harness";
import { describeExportAndOverview } from "./users-export-overview.suite";

let api: DatabaseHarness;
beforeAll(async () => {
  // A loaded machine must not turn a slow first page into a 504 (the deadline is tested in memory).
  api = await openPostgresHarness("users_export_overview", { REQUEST_TIMEOUT_MS: "30000" });
});
afterAll(async () => {
  await api?.close();
});

describeExportAndOverview("PostgreSQL", () => api);
