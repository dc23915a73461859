import { defineConfig } from "@playwright/test";

import { appServer, throwawayDataDir } from "./e2e/support/app-server";
import { browserConfig } from "./e2e/support/browser-config";

// A fixed port, not a free one: the API reference shows the server's address. Chosen once by the runner,
// inherited by the workers through the environment, as in playwright.config.ts.
const port = (process.env.SCREENSHOTS_PORT ||= "4310");
const dataDir = (process.env.SCREENSHOTS_DATA_DIR ||= throwawayDataDir("user-console-screenshots-"));

/**
 * `npm run screenshots`: docs/screenshots/<page>-<light|dark>.png, for the README. Not part of `npm test` (a
 * picture is not an assertion). The same start as the end-to-end tests, so the same pixels every run: a fresh
 * embedded database (the app seeds its demo users from a fixed seed and date), the same accounts made by the
 * same setup (e2e/api-accounts.setup.ts), one viewport, no animation, and a fixed clock in the page
 * (e2e/screenshots/console.screens.ts masks what the server stamps with its own time).
 */
export default defineConfig(browserConfig(), {
  reporter: [["list"]],
  // Written to docs/, not to test-results/: the test's outputs are the product.
  outputDir: "test-results/screenshots",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    reducedMotion: "reduce",
    locale: "en-US",
    timezoneId: "UTC",
  },
  projects: [
    { name: "setup", testMatch: /api-accounts\.setup\.ts$/, metadata: { server: "screenshots" } },
    { name: "screenshots", dependencies: ["setup"], testMatch: /\.screens\.ts$/, metadata: { server: "screenshots" } },
  ],
  webServer: [appServer(port, dataDir)],
});
