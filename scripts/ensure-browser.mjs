// Before the end-to-end tests (issue 3 item 5): makes sure a Chromium is there (e2e/support/browser.mjs says
// which counts), installing one when it can: Playwright's own download first, then Debian's package when
// running as root. Never skips: with no browser and no way to install one it fails with a message saying how.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { findChromium, HOW_TO_GET_CHROMIUM } from "../e2e/support/browser.mjs";

const found = findChromium();
if (found) {
  console.log(`e2e: using Chromium from ${found.source}`);
  process.exit(0);
}

// The project's own Playwright CLI: the browser build it downloads is the one its version drives.
const playwright = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../node_modules/.bin/playwright");
const attempts = [[playwright, ["install", "chromium"]]];
if (process.getuid?.() === 0) {
  attempts.push(
    ["apt-get", ["update", "-qq"]],
    ["apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"]],
  );
}
for (const [command, args] of attempts) {
  console.log(`e2e: no Chromium found; trying: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    // A stalled download or package lock must not hang the test run.
    timeout: 10 * 60_000,
  });
  if (result.error) console.log(`e2e: ${command} could not run: ${result.error.message}`);
  const now = findChromium();
  if (now) {
    console.log(`e2e: using Chromium from ${now.source}`);
    process.exit(0);
  }
}
console.error(`e2e: FAIL: ${HOW_TO_GET_CHROMIUM}`);
process.exit(1);
