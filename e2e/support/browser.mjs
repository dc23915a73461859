// Which Chromium the end-to-end tests drive: Playwright's own where it is installed, else Debian's. Shared by
// playwright.config.ts and scripts/ensure-browser.mjs (which installs one when neither is there).
import { existsSync } from "node:fs";

import { chromium } from "@playwright/test";

export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

/** Flags Debian's Chromium needs here: root without a sandbox, no GPU, and no calls home on a closed network. */
export const SYSTEM_CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
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
