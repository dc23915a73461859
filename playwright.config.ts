import { defineConfig } from "@playwright/test";

import { appServer, freePort, throwawayDataDir } from "./e2e/support/app-server";
import { browserConfig } from "./e2e/support/browser-config";

// The config is evaluated by the runner and again by each worker: values chosen once go through the
// environment, which the workers inherit. The runner, which chose them, removes the databases when it exits
// (after Playwright has stopped the web servers).
const port = (process.env.E2E_PORT ||= freePort());
const dataDir = (process.env.E2E_DATA_DIR ||= throwawayDataDir("user-console-e2e-"));
// The `ops` project's server: it flips flags that change the whole app (read-only mode, imports off), so it gets
// a server and a database of its own and cannot disturb the other specs (issue 9).
const opsPort = (process.env.E2E_OPS_PORT ||= freePort(port));
const opsDataDir = (process.env.E2E_OPS_DATA_DIR ||= throwawayDataDir("user-console-e2e-ops-"));
const baseURL = `http://127.0.0.1:${port}`;
const opsBaseURL = `http://127.0.0.1:${opsPort}`;

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
  // `ops-setup` and `ops` do the same against the second server, for the specs (*.ops.spec.ts) that turn on
  // read-only mode or turn imports off; they run one after another (serial within each file). `ops-setup` makes
  // the same accounts through the API (e2e/api-accounts.setup.ts): the browser walk is `setup`'s test.
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts$/ },
    { name: "chromium", dependencies: ["setup"], testMatch: /\.spec\.ts$/, testIgnore: [/\.later\.spec\.ts$/, /\.ops\.spec\.ts$/] },
    { name: "later", dependencies: ["chromium"], testMatch: /\.later\.spec\.ts$/ },
    { name: "ops-setup", testMatch: /api-accounts\.setup\.ts$/, use: { baseURL: opsBaseURL }, metadata: { server: "ops" } },
    {
      name: "ops",
      dependencies: ["ops-setup"],
      testMatch: /\.ops\.spec\.ts$/,
      fullyParallel: false,
      use: { baseURL: opsBaseURL },
      metadata: { server: "ops" },
    },
  ],
  // Started one after the other (Playwright sets up web servers in order), so only the first may need to build.
  webServer: [
    appServer(port, dataDir),
    appServer(opsPort, opsDataDir),
  ],
});
