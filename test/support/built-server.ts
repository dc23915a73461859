/**
 * Whole-process tests run the production build as a child process, the way `npm start` and the container do.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { lock } from "proper-lockfile";

import { isBuildCurrent, STANDALONE } from "../../scripts/support/build-stamp.mjs";

export { freePort } from "./free-port";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Builds unless the current build matches the sources (npm test builds in the stage before this one). Test
 * files run in parallel and each calls this: a lock lets one build while the others wait, then find it current.
 */
export async function ensureBuild(): Promise<void> {
  if (isBuildCurrent(ROOT)) return;
  const lockfilePath = path.join(tmpdir(), `user-console-build-${createHash("sha256").update(ROOT).digest("hex").slice(0, 12)}.lock`);
  const release = await lock(ROOT, {
    lockfilePath,
    realpath: false,
    stale: 30_000,
    retries: { retries: 600, minTimeout: 250, maxTimeout: 1_000 },
  });
  try {
    if (isBuildCurrent(ROOT)) return;
    const status = await new Promise<number | null>((resolve, reject) => {
      const build = spawn(process.execPath, [path.join(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: "inherit" });
      build.once("error", reject);
      build.once("exit", resolve);
    });
    if (status !== 0) throw new Error(`npm run build failed with exit code ${status}`);
  } finally {
    await release();
  }
}

export interface RunningServer {
  child: ChildProcess;
  baseUrl: string;
  /** Everything the process printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves when a printed line matches; rejects if the process exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Polls /ready until it answers 200. */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** The exit code (or 128 + signal number when killed). */
  exited: Promise<number>;
}

export function startServer(options: {
  command?: string;
  args?: string[];
  cwd?: string;
  port: number;
  env?: Record<string, string>;
  /** In its own process group, so a test can end every process it started (`process.kill(-pid)`). */
  detached?: boolean;
}): RunningServer {
  const child = spawn(
    options.command ?? process.execPath,
    options.args ?? [path.join(ROOT, STANDALONE, "server/main.mjs")],
    {
      cwd: options.cwd ?? ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        HOSTNAME: "127.0.0.1",
        PORT: String(options.port),
        LOG_LEVEL: "info",
        // No collector runs in tests: without this each exit would wait for a flush that cannot go anywhere.
        // server/tracing.process.test.ts turns tracing on with a receiver of its own.
        OTEL_SDK_DISABLED: "true",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.detached ?? false,
    },
  );
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => {
      resolve(code ?? (signal === "SIGKILL" ? 137 : signal === "SIGTERM" ? 143 : 1));
      for (const listener of listeners) listener();
    });
  });
  let exitCode: number | undefined;
  void exited.then((code) => (exitCode = code));
  const baseUrl = `http://127.0.0.1:${options.port}`;

  return {
    child,
    baseUrl,
    output: () => output,
    exited,
    waitForOutput(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) done(() => resolve());
          else if (exitCode !== undefined) done(() => reject(new Error(`exited (${exitCode}) before printing ${pattern}:\n${output}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async waitUntilReady(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exitCode !== undefined) throw new Error(`exited (${exitCode}) before becoming ready:\n${output}`);
        try {
          if ((await fetch(`${baseUrl}/ready`)).status === 200) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}
