/**
 * The app as the Playwright configs start it (playwright.config.ts for the end-to-end tests,
 * playwright.screenshots.config.ts for `npm run screenshots`): `npm start` on its own port and its own throwaway
 * embedded database, which the app creates, migrates and seeds on first start.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { BOOTSTRAP_PASSWORD } from "./accounts";

/** Playwright's `webServer` entry for one app server. */
export function appServer(serverPort: string, serverDataDir: string) {
  return {
    command: "npm start",
    url: `http://127.0.0.1:${serverPort}/ready`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
    env: {
      PORT: serverPort,
      HOSTNAME: "127.0.0.1",
      DATA_DIR: serverDataDir,
      BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD,
      SHUTDOWN_DELAY_MS: "0",
      LOG_LEVEL: "warn",
      // The webhooks spec's receiver runs in the test process on loopback, refused by default (SSRF).
      WEBHOOK_ALLOW_PRIVATE_CIDRS: "127.0.0.1/32",
    },
  };
}

/** A new empty directory for a server's database, removed when the runner that chose it exits. */
export function throwawayDataDir(prefix: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), prefix));
  process.once("exit", () => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/**
 * A port free right now on the loopback interface, other than `taken` (the config must be synchronous, hence a
 * child process).
 */
export function freePort(taken?: string): string {
  const script =
    'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })';
  for (;;) {
    const port = execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim();
    if (port !== taken) return port;
  }
}
