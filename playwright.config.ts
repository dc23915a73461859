import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { defineConfig } from "@playwright/test";

import { BOOTSTRAP_PASSWORD } from "./e2e/support/accounts";
import { findChromium, HOW_TO_GET_CHROMIUM } from "./e2e/support/browser.mjs";

// The config is evaluated by the runner and again by each worker: values chosen once go through the
// environment, which the workers inherit. The runner, which chose them, removes the database when it exits
// (after Playwright has stopped the web server).
if (!process.env.E2E_PORT) process.env.E2E_PORT = freePort();
if (!process.env.E2E_DATA_DIR) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "user-console-e2e-"));
  process.env.E2E_DATA_DIR = dataDir;
  process.once("exit", () => rmSync(dataDir, { recursive: true, force: true }));
}
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;

const chromium = findChromium();
if (!chromium) throw new Error(HOW_TO_GET_CHROMIUM);

/**
 * End-to-end tests: Chromium against the production build served by our own server (`npm start`), on its own
 * port and its own throwaway embedded database, which the app creates, migrates and seeds on first start.
 */
export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  // The JSON report is what `npm test` (scripts/test.mjs) counts.
  reporter: [["list"], ["json", { outputFile: process.env.E2E_JSON_REPORT ?? "test-results/e2e.json" }]],
  use: {
    baseURL,
    browserName: "chromium",
    launchOptions: chromium.launchOptions,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  // `setup` signs in the bootstrap admin and creates one user per role (e2e/auth.setup.ts); the specs start
  // from their saved sessions. `later` holds specs that add users, after the ones that expect a known list.
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts$/ },
    { name: "chromium", dependencies: ["setup"], testMatch: /\.spec\.ts$/, testIgnore: /\.later\.spec\.ts$/ },
    { name: "later", dependencies: ["chromium"], testMatch: /\.later\.spec\.ts$/ },
  ],
  webServer: {
    command: "npm start",
    url: `${baseURL}/ready`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: process.env.E2E_PORT,
      HOSTNAME: "127.0.0.1",
      DATA_DIR: process.env.E2E_DATA_DIR,
      BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD,
      SHUTDOWN_DELAY_MS: "0",
      LOG_LEVEL: "warn",
    },
  },
});

/** A port free right now on the loopback interface (the config must be synchronous, hence a child process). */
function freePort(): string {
  const script =
    'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })';
  return execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim();
}
