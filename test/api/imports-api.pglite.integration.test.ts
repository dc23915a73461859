import { afterAll, beforeAll } from "vitest";

import { openPgliteHarness, type DatabaseHarness } from "../support/database-harness";
import { describeImportsApi } from "./imports-api.suite";

let api: DatabaseHarness;
beforeAll(async () => {
  api = await openPgliteHarness("imports-api-pglite-", { REQUEST_TIMEOUT_MS: "30000", DB_TIMEOUT_MS: "30000" });
});
afterAll(async () => {
  await api?.app.importJobs.stop();
  await api?.close();
});

describeImportsApi("PGlite", () => api);
