/**
 * What every Playwright config of ours shares (playwright.config.ts for the end-to-end tests,
 * playwright.screenshots.config.ts for `npm run screenshots`), to be merged with the config's own by
 * `defineConfig(browserConfig(), {...})`.
 */
import type { PlaywrightTestConfig } from "@playwright/test";

import { findChromium, HOW_TO_GET_CHROMIUM } from "./browser.mjs";

/**
 * The specs in e2e/, one at a time against the one app server, none retried and no `.only` let through, in the
 * machine's Chromium. Throws, saying how to get it, without Chromium.
 *
 * Traces only with PW_TRACE=1: recording one for every test cost about a sixth of the e2e stage's CPU (issue 23),
 * and a failing test keeps its screenshot either way; rerun the failing spec with PW_TRACE=1 to get its trace.
 * Expectations wait up to 10 s rather than Playwright's 5: on these two cores, under a load average of 10 (a
 * build or another suite beside the run), a page's data took longer than 5 s to show, and the specs failed for
 * the machine, not the app; a passing expectation costs no more for it.
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
      trace: process.env.PW_TRACE === "1" ? "retain-on-failure" : "off",
    },
    expect: { timeout: 10_000 },
  };
}
