/**
 * The hostile-input suite on PostgreSQL (a database of its own on the run's throwaway server), opened once for
 * every route, with fewer runs than in memory.
 */
import { afterAll } from "vitest";

import { openPostgresHarness, type DatabaseHarness } from "../support/database-harness";
import { describeHostileInput } from "./hostile-input.suite";

let harness: Promise<DatabaseHarness> | undefined;
afterAll(async () => {
  await (await harness)?.close();
});

describeHostileInput("PostgreSQL", () => (harness ??= openPostgresHarness("hostile_input")), {
  file: "test/api/hostile-input.postgres.integration.test.ts",
  runs: 10,
  project: "integration",
});
