// Before the end-to-end tests: makes sure a Chromium is there (e2e/support/browser.mjs says which counts),
// installing one when it can: Playwright's own download first, then Debian's package when running as root.
// Never skips: with no browser and no way to install one it fails with a message saying how.
import { spawnSync } from "node:child_process";

import { findChromium, HOW_TO_GET_CHROMIUM } from "../e2e/support/browser.mjs";

const found = findChromium();
if (found) {
  console.log(`e2e: using Chromium from ${found.source}`);
  process.exit(0);
}

const attempts = [["npx", ["playwright", "install", "chromium"]]];
if (process.getuid?.() === 0) {
  attempts.push(["apt-get", ["update", "-qq"]], ["apt-get", ["install", "-y", "-qq", "chromium"]]);
}
for (const [command, args] of attempts) {
  console.log(`e2e: no Chromium found; trying: ${command} ${args.join(" ")}`);
  spawnSync(command, args, { stdio: "inherit" });
  const now = findChromium();
  if (now) {
    console.log(`e2e: using Chromium from ${now.source}`);
    process.exit(0);
  }
}
console.error(HOW_TO_GET_CHROMIUM);
process.exit(1);
