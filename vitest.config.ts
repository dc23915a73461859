import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * Three projects: `unit` (no I/O beyond memory; fast), `process` (the built server as a child process) and
 * `integration` (embedded PGlite and a throwaway
 * PostgreSQL 15 server that test/support/postgres-global-setup.ts starts once per run; each test file gets its
 * own database, so files run in parallel; the PGlite ones are copies of one that
 * test/support/pglite-template-global-setup.ts migrates once per run).
 */
export default defineConfig({
  resolve: { alias: { "@": root, "server-only": `${root}test/support/server-only-stub.ts` } },
  test: {
    // Vitest's default (one fewer than the cores) runs files one at a time on a 2-core machine, where the
    // integration files mostly wait on PostgreSQL: two at a time took the integration stage from 244 s to 184 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // @actions/workflow-parser imports its JSON schema without `with { type: "json" }`, which Node 20 refuses:
    // through Vite's transform instead (test/deploy/github-workflow.test.ts).
    server: { deps: { inline: ["@actions/workflow-parser"] } },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // The unit files share their worker's modules rather than each importing the app afresh: the stage went
          // from 83 s to 38 s on two cores (issue 23; most of it was imports). The price: a file that changes a
          // global (env, timers, OpenTelemetry's API) puts it back when it ends, as each does now
          // (vi.unstubAllEnvs, useRealTimers, test/support/in-memory-tracing.ts's stop()). Checked in shuffled file
          // orders (--sequence.shuffle.files). A test that passes alone and fails in the stage: try it with --isolate.
          isolate: false,
          include: ["**/*.test.ts"],
          exclude: [
            "**/*.integration.test.ts",
            "**/*.process.test.ts",
            "node_modules/**",
            ".next/**",
            "e2e/**",
            "dist/**",
          ],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          // Not isolated per file either, as in the unit project (the stage took 140-170 s instead of about 205 s):
          // each worker imports the app once. A test that passes alone and fails in the stage: try it with --isolate.
          // (An overview's intermittent 500 once looked like isolation's doing; it was a cancel that hit a
          // transaction's ROLLBACK, fixed in lib/adapters/pg/statement-cancellation.ts.)
          isolate: false,
          include: ["**/*.integration.test.ts"],
          // global.gc, so a test can measure live heap rather than garbage not yet collected (the users export's
          // constant-memory test, test/api/users-export.postgres.integration.test.ts).
          execArgv: ["--expose-gc"],
          exclude: ["node_modules/**", ".next/**", "e2e/**", "dist/**"],
          globalSetup: ["test/support/postgres-global-setup.ts", "test/support/pglite-template-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // Whole-process tests against the production build (npm run build first): shutdown, Docker layout.
          name: "process",
          include: ["**/*.process.test.ts"],
          exclude: ["node_modules/**", ".next/**", "e2e/**", "dist/**"],
          globalSetup: ["test/support/postgres-global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
