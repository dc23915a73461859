import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";

import type { Logger } from "../lib/ports/logger";

export interface LifecycleOptions {
  server: Server;
  log: Logger;
  /** Keep serving this long after the first signal, with readiness failing, so load balancers catch up. */
  delayMs: number;
  /** Then wait at most this long for in-flight requests before cutting them. */
  timeoutMs: number;
  /** Releases what the app holds (the database); called once the last request is done or cut. */
  close: () => Promise<void>;
  /** Ends the process; a parameter so tests can watch instead. */
  exit: (code: number) => void;
}

export interface Lifecycle {
  /** True from the first signal on: /ready answers 503. */
  readonly draining: boolean;
  /** Wraps every request so shutdown knows what is in flight. */
  track(request: IncomingMessage, response: ServerResponse): void;
  /** Starts the shutdown sequence (what SIGTERM and SIGINT do). */
  shutdown(reason: string): Promise<void>;
}

/**
 * Graceful shutdown in the order a rolling update needs (README, "Lifecycle"): readiness fails at once while
 * requests are still served for `delayMs`; then the listener closes, idle keep-alive connections close, and
 * in-flight requests get `timeoutMs` to finish before they are cut (and counted); then the app closes its
 * database and the process exits 0. A second signal exits at once with 128 + the signal number.
 */
export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { server, log } = options;
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let idle: (() => void) | undefined;

  const lifecycle: Lifecycle = {
    get draining() {
      return draining;
    },

    track(_request, response) {
      inFlight.add(response);
      // While draining, tell keep-alive clients to reconnect (elsewhere) after this response.
      if (draining) response.setHeader("connection", "close");
      response.on("close", () => {
        inFlight.delete(response);
        if (inFlight.size === 0) idle?.();
      });
    },

    async shutdown(reason) {
      draining = true;
      // Responses already under way that have not sent their headers yet get the same word.
      for (const response of inFlight) {
        if (!response.headersSent) response.setHeader("connection", "close");
      }
      log.info({ reason, delayMs: options.delayMs }, `${reason}: /ready now fails; serving ${options.delayMs} ms more`);
      await delay(options.delayMs);

      server.close();
      server.closeIdleConnections();
      log.info(
        { inFlight: inFlight.size, timeoutMs: options.timeoutMs },
        `listener closed; waiting up to ${options.timeoutMs} ms for ${inFlight.size} in-flight request(s)`,
      );
      const finished = await Promise.race([
        new Promise<true>((resolve) => {
          idle = () => resolve(true);
          if (inFlight.size === 0) resolve(true);
        }),
        delay(options.timeoutMs, false as const, { ref: false }),
      ]);
      if (!finished) {
        const cut = inFlight.size;
        server.closeAllConnections();
        log.warn({ cut }, `cut ${cut} request(s) still in flight after ${options.timeoutMs} ms`);
      }

      try {
        await options.close();
        log.info({}, "database closed; exiting");
        options.exit(0);
      } catch (error) {
        log.error({ err: error }, "closing the app failed");
        options.exit(1);
      }
    },
  };
  return lifecycle;
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
/**
 * A terminal's Ctrl-C reaches every process of its group, and npm also forwards it to the script it runs, so
 * the same keypress can arrive twice within milliseconds: only a signal this long after the first counts as
 * the "second signal" that exits at once.
 */
const REPEAT_GRACE_MS = 1_000;

/** SIGTERM/SIGINT start the shutdown; a second one (after {@link REPEAT_GRACE_MS}) exits at once. */
export function handleSignals(lifecycle: Lifecycle, log: Logger, exit: (code: number) => void): void {
  let firstAt: number | undefined;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      const now = Date.now();
      if (firstAt === undefined) {
        firstAt = now;
        void lifecycle.shutdown(signal);
      } else if (now - firstAt >= REPEAT_GRACE_MS) {
        log.warn({ signal }, `${signal} again: exiting at once`);
        exit(128 + SIGNAL_NUMBERS[signal]);
      }
    });
  }
}
