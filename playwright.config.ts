import { defineConfig } from "@playwright/test";

import { appServer, freePort, throwawayDataDir } from "./e2e/support/app-server";
import { browserConfig } from "./e2e/support/browser-config";

// The config is evaluated by the runner and again by each worker: values chosen once go through the
// environment, which the workers inherit. The runner, which chose them, removes the database when it exits
// (after Playwright has stopped the web server).
const port = (process.env.E2E_PORT ||= freePort());
const dataDir = (process.env.E2E_DATA_DIR ||= throwawayDataDir("user-console-e2e-"));
const baseURL = `http://127.0.0.1:${port}`;

/**
 * End-to-end tests: Chromium against the production build served by our own server (`npm start`), on its own
 * port and its own throwaway embedded database, which the app creates, migrates and seeds on first start.
 */
export default defineConfig(browserConfig(), {
  // The JSON report is what `npm test` (scripts/test.mjs) counts.
  reporter: [["list"], ["json", { outputFile: process.env.E2E_JSON_REPORT ?? "test-results/e2e.json" }]],
  use: { baseURL, screenshot: "only-on-failure" },
  // `setup` signs in the bootstrap admin and creates one user per role (e2e/auth.setup.ts); the specs start
  // from their saved sessions. `later` holds specs that add users, after the ones that expect a known list.
  //
  // `ops` holds the specs (*.ops.spec.ts) that turn on read-only mode or turn imports off, which refuse every
  // other spec's changes meanwhile. They share the one server: with one worker (e2e/support/browser-config.ts)
  // Playwright runs a phase's projects one after the other in the order listed, so `ops` runs once `chromium`
  // has finished and before `later` starts, never beside either; each ops spec puts the flags back when it ends,
  // pass or fail. A second server of their own cost a start-up (a new database, migrated and seeded) and an
  // account setup in every run (issue 23).
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts$/ },
    { name: "chromium", dependencies: ["setup"], testMatch: /\.spec\.ts$/, testIgnore: [/\.later\.spec\.ts$/, /\.ops\.spec\.ts$/] },
    { name: "ops", dependencies: ["setup"], testMatch: /\.ops\.spec\.ts$/, fullyParallel: false },
    { name: "later", dependencies: ["chromium"], testMatch: /\.later\.spec\.ts$/ },
  ],
  webServer: [appServer(port, dataDir)],
});
