/**
 * The hostile-input suite on the embedded database (PGlite), opened once for every route: fewer runs than in
 * memory (a PGlite round trip costs far more), the same properties.
 */
import { afterAll } from "vitest";

import { openPgliteHarness, type DatabaseHarness } from "../support/database-harness";
import { describeHostileInput } from "./hostile-input.suite";

let harness: Promise<DatabaseHarness> | undefined;
afterAll(async () => {
  await (await harness)?.close();
});

describeHostileInput("PGlite", () => (harness ??= openPgliteHarness("hostile-pglite-")), {
  file: "test/api/hostile-input.pglite.integration.test.ts",
  runs: 10,
  project: "integration",
});
