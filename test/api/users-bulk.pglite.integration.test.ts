import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeUsersBulkApi } from "./users-bulk.suite";

// The embedded database, as `npm start` runs it: PGlite in a data directory of its own per app the suite opens.
const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describeUsersBulkApi("PGlite", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "users-bulk-pglite-"));
  dataDirs.push(dataDir);
  return createApiHarness({ hasher: fastTestHasher, database: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }) });
});
