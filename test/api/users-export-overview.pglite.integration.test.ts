import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeExportAndOverview } from "./users-export-overview.suite";

// The embedded database, as `npm start` runs it: PGlite in a data directory of its own.
const dataDir = mkdtempSync(path.join(tmpdir(), "users-export-pglite-"));
let api: Awaited<ReturnType<typeof createApiHarness>>;
beforeAll(async () => {
  api = await createApiHarness({ hasher: fastTestHasher, database: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }) });
});
afterAll(async () => {
  await api?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describeExportAndOverview("PGlite", () => api);
