import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeSignInThrottle } from "./sign-in-throttle.suite";

// The embedded database, as `npm start` runs it: PGlite in a data directory of its own.
const dataDir = mkdtempSync(path.join(tmpdir(), "sign-in-throttle-pglite-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// PGlite runs one statement at a time: a flood's last admitted attempts queue behind the others, so generous
// deadlines keep a slow machine's answers 429 rather than 504 (these tests are about throttling).
describeSignInThrottle("PGlite", (clock) =>
  createApiHarness({
    hasher: fastTestHasher,
    clock,
    database: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", REQUEST_TIMEOUT_MS: "30000", DB_TIMEOUT_MS: "30000" }),
  }),
);
