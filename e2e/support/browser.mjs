// Which Chromium the end-to-end tests drive: Playwright's own where it is installed, else Debian's. Shared by
// playwright.config.ts and scripts/ensure-browser.mjs (which installs one when neither is there).
import { existsSync } from "node:fs";

import { chromium } from "@playwright/test";

export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

/**
 * Flags Debian's Chromium needs here: root without a sandbox, no GPU, and no calls home on a closed network. Then
 * two that make it cheaper to drive, since the e2e stage is CPU-bound (the two cores ~90% busy with one worker):
 * compositing in the renderer rather than in a GPU process that has no GPU, and one renderer per tab rather than
 * per site (the app is one origin). Over six runs of the same specs: 95-109 s instead of 108-113 s (issue 23).
 */
export const SYSTEM_CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-gpu-compositing",
  "--disable-site-isolation-trials",
  "--disable-features=site-per-process",
];

/** Launch options for the browser found, or null when there is none. */
export function findChromium() {
  let bundled;
  try {
    bundled = chromium.executablePath();
  } catch {
    bundled = undefined;
  }
  if (bundled && existsSync(bundled)) return { source: "playwright", launchOptions: {} };
  if (existsSync(SYSTEM_CHROMIUM)) {
    return {
      source: SYSTEM_CHROMIUM,
      launchOptions: { executablePath: SYSTEM_CHROMIUM, args: SYSTEM_CHROMIUM_ARGS },
    };
  }
  return null;
}

export const HOW_TO_GET_CHROMIUM =
  "No Chromium for the end-to-end tests: run `npx playwright install chromium`, or on Debian/Ubuntu " +
  "`sudo apt-get install -y chromium`, then run the tests again.";
