import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeImportsApi } from "./imports-api.suite";

const dataDir = mkdtempSync(path.join(tmpdir(), "imports-api-pglite-"));
let api: Awaited<ReturnType<typeof createApiHarness>>;
beforeAll(async () => {
  api = await createApiHarness({
    hasher: fastTestHasher,
    database: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", REQUEST_TIMEOUT_MS: "30000", DB_TIMEOUT_MS: "30000" }),
  });
});
afterAll(async () => {
  await api?.app.importJobs.stop();
  await api?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describeImportsApi("PGlite", () => api);
