import { afterAll, beforeAll } from "vitest";

import { openPgliteHarness, type DatabaseHarness } from "../support/database-harness";
import { describeExportAndOverview } from "./users-export-overview.suite";

// The embedded database, as `npm start` runs it: PGlite in a data directory of its own.
let api: DatabaseHarness;
beforeAll(async () => {
  api = await openPgliteHarness("users-export-pglite-");
});
afterAll(async () => {
  await api?.close();
});

describeExportAndOverview("PGlite", () => api);
