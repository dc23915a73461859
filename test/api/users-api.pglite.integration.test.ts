import { afterAll, beforeAll } from "vitest";

import { openPgliteHarness, type DatabaseHarness } from "../support/database-harness";
import { describeUsersApi } from "./users-api.suite";

// The embedded database, as `npm start` runs it: PGlite in a data directory of its own.
let api: DatabaseHarness;
beforeAll(async () => {
  api = await openPgliteHarness("users-api-pglite-");
});
afterAll(async () => {
  await api?.close();
});

describeUsersApi("PGlite", () => api);
