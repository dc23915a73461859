import type { IncomingMessage, ServerResponse } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";

import type { DatabaseAvailability, DatabaseLifecycle } from "../lib/ports/database";
import type { Logger } from "../lib/ports/logger";
import type { TraceExportWatch } from "../lib/ports/trace-export";

/**
 * Kubernetes probes, answered by our server before Next sees the request (docs/decisions/002-own-server.md):
 * they must stay cheap and must not depend on Next's request pipeline.
 */
export interface HealthOptions {
  database: DatabaseLifecycle;
  /** Where a failed check's detail goes: /ready's body is public and says only which check failed and how. */
  log: Logger;
  /** Each readiness check's own deadline. */
  readyTimeoutMs: number;
  isDraining: () => boolean;
  /** Whether the feature flag SDK has its flags (issue 9): until then every flag answers its fallback. */
  flagsInitialized: () => boolean;
  /**
   * The database's circuit breaker (issue 17): while it is not closed every database-bound request is refused,
   * so the replica is not ready even if the ping already gets through (until the breaker's probe closes it).
   */
  breaker?: DatabaseAvailability;
  /** /live fails when the event loop was blocked longer than this within the last sampling window. */
  maxEventLoopDelayMs?: number;
  /** A readiness result is reused this long, so frequent probes (several kubelets, load balancers) stay cheap. */
  readyCacheMs?: number;
  /** Told every readiness outcome (the user_console_ready gauge). */
  onReadiness?: (ready: boolean) => void;
  /**
   * With READY_REQUIRES_TRACE_EXPORT (off by default; docs/operations.md, "Trace export and readiness"): readiness
   * also fails while span export has been failing for longer than `graceMs`. `watch` is undefined while tracing is
   * off or its exporter is not watched (lib/adapters/otel/start-tracing.ts): the check then passes.
   */
  traceExport?: { watch: () => TraceExportWatch | undefined; graceMs: number };
  /** The clock the trace export check measures failing time by (epoch ms); tests set it. */
  now?: () => number;
}

const WINDOW_MS = 10_000;

type CheckResult = { ok: true } | { ok: false; reason: string };
interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export function createHealthHandler(options: HealthOptions) {
  const maxDelayMs = options.maxEventLoopDelayMs ?? 2_000;
  const cacheMs = options.readyCacheMs ?? 1_000;
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  let windowMaxMs = 0;
  // Keep the worst delay of the previous window, so one probe after a long block still sees it.
  setInterval(() => {
    windowMaxMs = loopDelay.max / 1e6;
    loopDelay.reset();
  }, WINDOW_MS).unref();

  /** The checks /ready runs, each under its own deadline; a failure's detail goes to the log, never the body. */
  const checks: Record<string, (signal: AbortSignal) => Promise<CheckResult>> = {
    async database(signal) {
      try {
        await options.database.ping(signal);
        return { ok: true };
      } catch (error) {
        return failed("database", error, "database unreachable", "the database ping failed");
      }
    },
    // A replica of a newer build must not take traffic on a schema its migrations have not reached.
    async migrations(signal) {
      try {
        const pending = await options.database.pendingMigrations(signal);
        if (pending.length === 0) return { ok: true };
        options.log.warn({ pending }, `/ready: ${pending.length} migration(s) of this build are not applied`);
        return { ok: false, reason: `${pending.length} pending` };
      } catch (error) {
        return failed("migrations", error, "cannot be read", "reading the migration history failed");
      }
    },
    // The SDK keeps trying to get its flags in the background (LaunchDarkly unreachable, say); until it has, a
    // replica would serve every flag's fallback, which can differ from what the others serve.
    async flags() {
      return options.flagsInitialized() ? { ok: true } : { ok: false, reason: "not initialised" };
    },
    async databaseBreaker() {
      const state = options.breaker?.state() ?? "closed";
      return state === "closed" ? { ok: true } : { ok: false, reason: state };
    },
  };
  const { traceExport } = options;
  if (traceExport) checks.traceExport = async () => traceExportCheck(traceExport.watch(), traceExport.graceMs);

  const clock = options.now ?? Date.now;
  let reportedSince: number | null = null;
  function traceExportCheck(watch: TraceExportWatch | undefined, graceMs: number): CheckResult {
    const since = watch?.failingSince() ?? null;
    if (watch === undefined || since === null) return { ok: true };
    // While failing, every round of checks asks the backend again: spans alone would not, as a replica out of
    // rotation makes none.
    watch.probe();
    const failingMs = clock() - since;
    if (failingMs <= graceMs) return { ok: true };
    const seconds = Math.round(failingMs / 1000);
    // Once per failing spell (probes come every few seconds from every prober): the log says when it began.
    if (reportedSince !== since) {
      reportedSince = since;
      options.log.warn({ check: "traceExport", failingMs, graceMs }, `/ready: exporting spans has failed for ${seconds} s`);
    }
    return { ok: false, reason: `failing for ${seconds} s` };
  }

  function failed(name: string, error: unknown, reason: string, what: string): CheckResult {
    // Refused by the database's circuit breaker: the outage is in the log once already (issue 17).
    if (error instanceof Error && "code" in error && error.code === "DATABASE_UNAVAILABLE") return { ok: false, reason };
    // A driver's message can name hosts, users or SQL: it goes to the log, never into the response.
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    options.log.warn(
      { err: error, check: name, timeoutMs: options.readyTimeoutMs },
      timedOut ? `/ready: the ${name} check did not finish within ${options.readyTimeoutMs} ms` : `/ready: ${what}`,
    );
    return { ok: false, reason: timedOut ? "timed out" : reason };
  }

  let cached: { at: number; result: Promise<Readiness> } | undefined;
  const readiness = (): Promise<Readiness> => {
    const now = performance.now();
    // Probes arriving together share one run; a result is reused for cacheMs.
    if (cached && now - cached.at < cacheMs) return cached.result;
    const result = (async () => {
      const entries = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => [name, await check(AbortSignal.timeout(options.readyTimeoutMs))] as const),
      );
      return {
        ready: entries.every(([, outcome]) => outcome.ok),
        checks: Object.fromEntries(entries.map(([name, outcome]) => [name, outcome.ok ? "ok" : outcome.reason])),
      };
    })();
    cached = { at: now, result };
    return result;
  };

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
        options.onReadiness?.(false);
        send(response, 503, { status: "unavailable", checks: { draining: "shutting down" } });
        return true;
      }
      const { ready, checks: outcome } = await readiness();
      options.onReadiness?.(ready);
      send(response, ready ? 200 : 503, { status: ready ? "ok" : "unavailable", checks: outcome });
      return true;
    }
    return false;
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(body));
}
