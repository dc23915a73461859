/**
 * What every Playwright config of ours shares (playwright.config.ts for the end-to-end tests,
 * playwright.screenshots.config.ts for `npm run screenshots`), to be merged with the config's own by
 * `defineConfig(browserConfig(), {...})`.
 */
import type { PlaywrightTestConfig } from "@playwright/test";

import { findChromium, HOW_TO_GET_CHROMIUM } from "./browser.mjs";

/**
 * The specs in e2e/, one at a time against the one app server, none retried and no `.only` let through, in the
 * machine's Chromium, with a trace kept of a test that fails. Throws, saying how to get it, without Chromium.
 */
export function browserConfig(): PlaywrightTestConfig {
  const chromium = findChromium();
  if (!chromium) throw new Error(HOW_TO_GET_CHROMIUM);
  return {
    testDir: "e2e",
    fullyParallel: false,
    // One: the specs share one server, and the `ops` project (read-only mode, imports off) must never run beside
    // another spec (playwright.config.ts).
    workers: 1,
    forbidOnly: true,
    retries: 0,
    use: {
      browserName: "chromium",
      launchOptions: chromium.launchOptions,
      trace: "retain-on-failure",
    },
  };
}
