import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
} from "cockatiel";

import { DatabaseUnavailableError } from "../../domain/errors";
import type { BreakerState, DatabaseAvailability, DatabaseLifecycle } from "../../ports/database";
import type { Logger } from "../../ports/logger";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { isConnectionFailure } from "../pg/connection-failure";

export interface DatabaseCircuitBreakerOptions {
  /** The `name` label of its metrics and the name /ready gives it. */
  name: string;
  /** Units of work failing to reach the database in a row that open it (DB_BREAKER_FAILURES). */
  failures: number;
  /** How long it stays open before a probe tries the database (DB_BREAKER_HALF_OPEN_MS). */
  halfOpenAfterMs: number;
  /** The probe: a trivial query (`SELECT 1`). Rejects when the database does not answer or `signal` aborts. */
  probe(signal: AbortSignal): Promise<void>;
  probeTimeoutMs: number;
  log: Logger;
  /** Every change of state, for the metrics. */
  onTransition?(from: BreakerState, to: BreakerState): void;
  /** While open, a summary line this often (how many requests were refused). */
  summaryEveryMs?: number;
  /** How often the background prober looks whether the open period is over. */
  probeEveryMs?: number;
}

export interface DatabaseCircuitBreaker extends DatabaseAvailability {
  /** `unitOfWork`, guarded: the one decorator every database port goes through (lib/composition-root.ts). */
  guard(unitOfWork: UnitOfWork): UnitOfWork;
  /**
   * `lifecycle` with /ready's database checks (ping, migration history) counted and refused like units of work:
   * an idle replica's breaker opens from its probes too, and while it is open /ready fails at once, without a
   * connection attempt or a log line per probe. Its own probe uses the lifecycle unguarded.
   */
  guardLifecycle(lifecycle: DatabaseLifecycle): DatabaseLifecycle;
  /** Stops the background prober and the summary (shutdown). */
  stop(): void;
}

/**
 * The database's circuit breaker (issue 17, docs/decisions/014): cockatiel's, with gobreaker's semantics as in
 * the seed.
 *
 * - Counts one failure per unit of work (`run` or `read`), and only a failure to reach the database
 *   (pg/connection-failure.ts): a deadline's cancel, a busy pool, a client gone or a rule violation says the
 *   database is there, and must not open the breaker for everyone.
 * - Opens after `failures` in a row. While open, every unit is refused at once with DATABASE_UNAVAILABLE and a
 *   Retry-After, without touching the database: no connection attempt per request.
 * - Half-open: the one probe is a background `SELECT 1`, every `probeEveryMs` once `halfOpenAfterMs` have passed;
 *   requests are still refused while it runs (gobreaker lets a limited number through; we let none but the probe,
 *   so no request waits on a connect that may hang). The probe's success closes it; its failure opens it again.
 * - A read (`read`, idempotent by construction) that fails to reach the database is tried once more after a
 *   jittered pause, while the breaker is closed and within the unit's deadline (its signal). A write (`run`) is
 *   never retried here: it may have committed before its connection dropped; a caller that sent an
 *   Idempotency-Key can retry it safely itself.
 * - Logs one line when an outage starts (with the failure that opened it), a summary every `summaryEveryMs`
 *   while it lasts, and one when it ends: never a line per refused request.
 */
export function createDatabaseCircuitBreaker(options: DatabaseCircuitBreakerOptions): DatabaseCircuitBreaker {
  if (options.failures === 0) return withoutBreaker(options.name);
  const { name, log } = options;
  const summaryEveryMs = options.summaryEveryMs ?? 30_000;
  const probeEveryMs = options.probeEveryMs ?? 1_000;
  const policy = circuitBreaker(
    handleWhen((error) => isConnectionFailure(error) || error instanceof ProbeFailedError),
    { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.failures) },
  );
  // One more try of a read, after 25-100 ms of decorrelated jitter (cockatiel's default generator), only while
  // the breaker is still closed: once it opens, every other unit is refused too.
  const readRetry = retry(
    handleWhen((error) => isConnectionFailure(error) && policy.state === CircuitState.Closed),
    { maxAttempts: 1, backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: 100 }) },
  );

  let state: BreakerState = "closed";
  let openedAt = 0;
  let outageStartedAt = 0;
  let refused = 0;
  let refusedSinceSummary = 0;
  let prober: NodeJS.Timeout | undefined;
  let summary: NodeJS.Timeout | undefined;
  let stopped = false;

  policy.onStateChange((next) => {
    const to = stateOf(next);
    const from = state;
    if (to === from) return;
    state = to;
    if (to === "open") openedAt = Date.now();
    options.onTransition?.(from, to);
    if (from === "closed") outageBegan();
    if (to === "closed") outageEnded();
  });

  function outageBegan(): void {
    outageStartedAt = Date.now();
    const failure = policy.lastFailure;
    log.error(
      { err: failure && "error" in failure ? failure.error : undefined, breaker: name, failures: options.failures },
      `database unreachable: ${options.failures} units of work in a row could not reach it; circuit breaker "${name}" ` +
        `open, requests are answered 503 DATABASE_UNAVAILABLE and a probe tries the database every ` +
        `${Math.round(options.halfOpenAfterMs / 1000)} s`,
    );
    if (stopped) return;
    prober = setInterval(probe, probeEveryMs);
    prober.unref();
    summary = setInterval(() => {
      log.warn(
        { breaker: name, refused: refusedSinceSummary, refusedTotal: refused, outageSeconds: secondsSince(outageStartedAt) },
        `database still unreachable after ${secondsSince(outageStartedAt)} s: ${refusedSinceSummary} requests refused ` +
          `in the last ${Math.round(summaryEveryMs / 1000)} s`,
      );
      refusedSinceSummary = 0;
    }, summaryEveryMs);
    summary.unref();
  }

  function outageEnded(): void {
    clearInterval(prober);
    clearInterval(summary);
    log.info(
      { breaker: name, refusedTotal: refused, outageSeconds: secondsSince(outageStartedAt) },
      `database reachable again after ${secondsSince(outageStartedAt)} s: circuit breaker "${name}" closed; ` +
        `${refused} requests were refused meanwhile`,
    );
    refused = 0;
    refusedSinceSummary = 0;
  }

  /** While open: once the open period is over, cockatiel lets this call through as the half-open test. */
  function probe(): void {
    if (policy.state !== CircuitState.Open) return;
    policy
      .execute(async () => {
        try {
          await options.probe(AbortSignal.timeout(options.probeTimeoutMs));
        } catch (error) {
          // Any failure of the probe counts (a timeout says nothing else): it must not close the breaker.
          throw new ProbeFailedError(error);
        }
      })
      // Still open (BrokenCircuitError, the period is not over) or the probe failed: the next tick tries again.
      .catch(() => undefined);
  }

  function retryAfterSeconds(): number {
    if (state !== "open") return 1;
    return Math.max(1, Math.ceil((openedAt + options.halfOpenAfterMs - Date.now()) / 1000));
  }

  function unavailable(cause?: unknown): DatabaseUnavailableError {
    refused++;
    refusedSinceSummary++;
    return new DatabaseUnavailableError(retryAfterSeconds(), { cause });
  }

  async function guarded<T>(unit: () => Promise<T>, signal: AbortSignal | undefined, retryable: boolean): Promise<T> {
    // Refused before anything touches the database: while open or probing, no connection is attempted.
    if (policy.state !== CircuitState.Closed) throw unavailable();
    try {
      return await policy.execute(() => (retryable ? readRetry.execute(unit, signal) : unit()), signal);
    } catch (error) {
      if (error instanceof BrokenCircuitError || isConnectionFailure(error)) throw unavailable(error);
      throw error;
    }
  }

  return {
    name,
    state: () => state,
    retryAfterSeconds,
    guard: (inner) => ({
      run: (work, runOptions) => guarded(() => inner.run(work, runOptions), runOptions?.signal, false),
      read: (work, readOptions) => guarded(() => inner.read(work, readOptions), readOptions?.signal, true),
    }),
    guardLifecycle: (inner) => ({
      ...inner,
      ping: (signal) => guarded(() => inner.ping(signal), signal, false),
      pendingMigrations: (signal) => guarded(() => inner.pendingMigrations(signal), signal, false),
    }),
    stop() {
      stopped = true;
      clearInterval(prober);
      clearInterval(summary);
    },
  };
}

/**
 * DB_BREAKER_FAILURES=0: no breaker (every unit tries the database, nothing is retried), and still no 500 for a
 * database that cannot be reached: the caller gets DATABASE_UNAVAILABLE to retry. For comparing its cost
 * (bench/api.ts) and for operators who would rather have every request try.
 */
function withoutBreaker(name: string): DatabaseCircuitBreaker {
  const translated = async <T>(unit: () => Promise<T>): Promise<T> => {
    try {
      return await unit();
    } catch (error) {
      throw isConnectionFailure(error) ? new DatabaseUnavailableError(1, { cause: error }) : error;
    }
  };
  return {
    name,
    state: () => "closed",
    retryAfterSeconds: () => 1,
    guard: (inner) => ({
      run: (work, options) => translated(() => inner.run(work, options)),
      read: (work, options) => translated(() => inner.read(work, options)),
    }),
    guardLifecycle: (inner) => ({
      ...inner,
      ping: (signal) => translated(() => inner.ping(signal)),
      pendingMigrations: (signal) => translated(() => inner.pendingMigrations(signal)),
    }),
    stop: () => undefined,
  };
}

/** The probe failed in a way that is not a connection failure as such (a timeout): still not a reachable database. */
class ProbeFailedError extends Error {
  constructor(cause: unknown) {
    super("the database probe failed", { cause });
    this.name = "ProbeFailedError";
  }
}

function stateOf(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return "closed";
    case CircuitState.HalfOpen:
      return "half-open";
    default:
      // Open, or Isolated (held open by hand: not used here).
      return "open";
  }
}

function secondsSince(start: number): number {
  return Math.round((Date.now() - start) / 1000);
}
