/**
 * The hostile-input suite on the embedded database (PGlite), opened once for every route: fewer runs than in
 * memory (a PGlite round trip costs far more), the same properties.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeHostileInput } from "./hostile-input.suite";

const dataDir = mkdtempSync(path.join(tmpdir(), "hostile-pglite-"));
let harness: ReturnType<typeof createApiHarness> | undefined;
afterAll(async () => {
  await (await harness)?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describeHostileInput(
  "PGlite",
  () => (harness ??= createApiHarness({ hasher: fastTestHasher, database: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }) })),
  { file: "test/api/hostile-input.pglite.integration.test.ts", runs: 10, project: "integration" },
);
