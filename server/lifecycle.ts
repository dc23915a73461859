import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";

import type { Logger } from "../lib/ports/logger";

/**
 * How long shutdown waits for the database to close (after the in-flight requests) before exiting anyway.
 * Exported with {@link TRACING_FLUSH_TIMEOUT_MS} because the Kubernetes manifests' terminationGracePeriodSeconds
 * must cover them (deploy/k8s, test/deploy/k8s-manifests.test.ts).
 */
export const DATABASE_CLOSE_TIMEOUT_MS = 5_000;
/**
 * How long shutdown waits, last of all, for the spans still buffered to be exported. A reachable collector takes
 * milliseconds per batch; an unreachable one (none configured on a developer's machine: the default endpoint is
 * localhost:4318) keeps the exporter retrying for about 5 s, which would delay every exit by that much.
 */
export const TRACING_FLUSH_TIMEOUT_MS = 2_000;

export interface LifecycleOptions {
  server: Server;
  log: Logger;
  /** Keep serving this long after the first signal, with readiness failing, so load balancers catch up. */
  delayMs: number;
  /** Then wait at most this long for in-flight requests before cutting them. */
  timeoutMs: number;
  /**
   * Settles once start-up has got as far as it will (opened the database, or failed to). A signal can come
   * while the database is still being opened (a new embedded one is migrated and seeded first): shutdown waits
   * for this, without a bound of its own, before it closes the database.
   */
  startup: () => Promise<void>;
  /**
   * Called once as draining begins (after the delay, before the listener closes): background work stops taking
   * more and long-lived streams (import progress) end, so they do not hold the drain. Must not throw.
   */
  onDrain?: () => void;
  /** Closes the database; called once start-up has settled and the last request is done or cut. */
  closeDatabase: () => Promise<void>;
  /** Give up waiting for {@link closeDatabase} after this long, and exit 1. */
  databaseCloseTimeoutMs: number;
  /** Closes Next's app; called after the database, whether that closed, failed or timed out. */
  closeNext: () => Promise<void>;
  /**
   * Exports the spans still buffered and stops tracing; called last, after Next, so the spans of the last
   * requests get out. Given `tracingCloseTimeoutMs`; failing or timing out is logged but does not change the
   * exit code (the data is safe; only diagnostics are lost).
   */
  closeTracing?: () => Promise<void>;
  tracingCloseTimeoutMs?: number;
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
 * Graceful shutdown in the order a rolling update needs (docs/architecture.md, "Lifecycle"): readiness fails at
 * once while requests are still served for `delayMs`; then the listener closes, idle keep-alive connections close, and
 * in-flight requests get `timeoutMs` to finish before they are cut (and counted); then the database closes
 * (given `databaseCloseTimeoutMs`), then Next, then tracing flushes what it buffered, and the process exits 0 (1
 * when closing the database or Next failed or timed out).
 * A signal before the server listens skips the delay: nothing routes to it yet. A second signal exits at
 * once with 128 + the signal number (see {@link handleSignals}).
 */
export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { server, log } = options;
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let idle: (() => void) | undefined;

  /** Closes the listener and idle connections, then waits up to `timeoutMs` for requests in flight. */
  const drain = async () => {
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
  };

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
      if (server.listening) {
        log.info({ reason, delayMs: options.delayMs }, `${reason}: /ready now fails; serving ${options.delayMs} ms more`);
        await delay(options.delayMs);
        options.onDrain?.();
        await drain();
      } else {
        // Nothing routes here yet, so no delay; start-up sees `draining` and stops before it listens.
        log.info({ reason }, `${reason} during start-up: stopping`);
        await options.startup().catch(() => undefined); // a failed start-up reports itself
      }

      let code = 0;
      try {
        const closed = await withinTimeout(options.closeDatabase(), options.databaseCloseTimeoutMs);
        if (!closed) {
          code = 1;
          log.error(
            { timeoutMs: options.databaseCloseTimeoutMs },
            `the database did not close within ${options.databaseCloseTimeoutMs} ms; exiting without it`,
          );
        }
      } catch (error) {
        code = 1;
        log.error({ err: error }, "closing the database failed");
      } finally {
        try {
          await options.closeNext();
        } catch (error) {
          code = 1;
          log.error({ err: error }, "closing Next failed");
        }
      }
      if (options.closeTracing) {
        const timeoutMs = options.tracingCloseTimeoutMs ?? 5_000;
        try {
          if (!(await withinTimeout(options.closeTracing(), timeoutMs))) {
            log.warn({ timeoutMs }, `tracing did not flush its spans within ${timeoutMs} ms; exiting without them`);
          }
        } catch (error) {
          log.warn({ err: error }, "flushing the last spans failed");
        }
      }
      if (code === 0) log.info({}, "database closed; exiting");
      else log.warn({ code }, `exiting with ${code}`);
      options.exit(code);
    },
  };
  return lifecycle;
}

/** True when `work` settles within `ms` (rejecting if it rejects), false when the time runs out first. */
async function withinTimeout(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  // A referenced timer: a close that hangs on nothing the event loop waits for must still end in a timeout.
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then((): true => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
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
