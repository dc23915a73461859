import type { IncomingMessage, ServerResponse } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";

import type { DatabaseLifecycle } from "../lib/ports/database";
import type { Logger } from "../lib/ports/logger";

/**
 * Kubernetes probes, answered by our server before Next sees the request (docs/decisions/002-own-server.md):
 * they must stay cheap and must not depend on Next's request pipeline.
 */
export interface HealthOptions {
  database: DatabaseLifecycle;
  /** Where a failed ping's detail goes: /ready's body is public and says only which check failed. */
  log: Logger;
  readyTimeoutMs: number;
  isDraining: () => boolean;
  /** /live fails when the event loop was blocked longer than this within the last sampling window. */
  maxEventLoopDelayMs?: number;
}

const WINDOW_MS = 10_000;

export function createHealthHandler(options: HealthOptions) {
  const maxDelayMs = options.maxEventLoopDelayMs ?? 2_000;
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  let windowMaxMs = 0;
  // Keep the worst delay of the previous window, so one probe after a long block still sees it.
  setInterval(() => {
    windowMaxMs = loopDelay.max / 1e6;
    loopDelay.reset();
  }, WINDOW_MS).unref();

  return async function handleHealth(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const path = request.url?.split("?")[0];
    if (path === "/live") {
      const delayMs = Math.round(Math.max(windowMaxMs, loopDelay.max / 1e6));
      const live = delayMs <= maxDelayMs;
      send(response, live ? 200 : 503, {
        status: live ? "ok" : "unavailable",
        checks: { eventLoop: live ? "ok" : `blocked for ${delayMs} ms` },
      });
      return true;
    }
    if (path === "/ready") {
      if (options.isDraining()) {
        send(response, 503, { status: "unavailable", checks: { draining: "shutting down" } });
        return true;
      }
      try {
        await options.database.ping(AbortSignal.timeout(options.readyTimeoutMs));
        send(response, 200, { status: "ok", checks: { database: "ok" } });
      } catch (error) {
        // A driver's message can name hosts, users or SQL: it goes to the log, never into the response.
        const timedOut = error instanceof Error && error.name === "TimeoutError";
        const reason = timedOut ? "timed out" : "database unreachable";
        options.log.warn(
          { err: error, timeoutMs: options.readyTimeoutMs },
          timedOut
            ? `/ready: the database did not answer within ${options.readyTimeoutMs} ms`
            : "/ready: the database ping failed",
        );
        send(response, 503, { status: "unavailable", checks: { database: reason } });
      }
      return true;
    }
    return false;
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(body));
}
