import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
} from "cockatiel";

import { DatabaseUnavailableError, NamedError } from "../../domain/errors";
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
  const { name, log } = options;
  const summaryEveryMs = options.summaryEveryMs ?? 30_000;
  if (options.failures === 0) return withoutBreaker(name, log, summaryEveryMs);
  const probeEveryMs = options.probeEveryMs ?? 1_000;
  const policy = circuitBreaker(
    // A LateFailure wraps a connection failure, but must not count (see `guarded`).
    handleWhen((error) => !(error instanceof LateFailure) && (isConnectionFailure(error) || error instanceof ProbeFailedError)),
    { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.failures) },
  );
  // One more try of a read, after 25-100 ms (evenly spread, so a burst of dropped reads does not retry in step),
  // only while the breaker is still closed: once it opens, every other unit is refused too.
  const readRetry = retry(
    handleWhen((error) => isConnectionFailure(error) && policy.state === CircuitState.Closed),
    { maxAttempts: 1, backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: 100, generator: spreadDelay }) },
  );

  let state: BreakerState = "closed";
  let openedAt = 0;
  let prober: NodeJS.Timeout | undefined;
  let stopped = false;
  const outage = createOutageLog(name, log, summaryEveryMs);

  policy.onStateChange((next) => {
    const to = stateOf(next);
    const from = state;
    if (to === from) return;
    state = to;
    if (to === "open") openedAt = Date.now();
    options.onTransition?.(from, to);
    if (from === "closed") outageBegan();
    if (to === "closed") {
      clearInterval(prober);
      outage.ended(`circuit breaker "${name}" closed`);
    }
  });

  function outageBegan(): void {
    const failure = policy.lastFailure;
    outage.began(
      failure && "error" in failure ? failure.error : undefined,
      `${options.failures} calls in a row could not reach it; circuit breaker "${name}" open, requests are answered ` +
        `503 DATABASE_UNAVAILABLE and a probe tries the database every ${Math.round(options.halfOpenAfterMs / 1000)} s`,
    );
    if (stopped) return;
    prober = setInterval(probe, probeEveryMs);
    prober.unref();
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
    outage.refused();
    return new DatabaseUnavailableError(retryAfterSeconds(), { cause });
  }

  async function guarded<T>(unit: () => Promise<T>, signal: AbortSignal | undefined, retryable: boolean): Promise<T> {
    // Refused before anything touches the database: while open or probing, no connection is attempted.
    if (policy.state !== CircuitState.Closed) throw unavailable();
    try {
      return await policy.execute(async () => {
        try {
          return await (retryable ? readRetry.execute(unit, signal) : unit());
        } catch (error) {
          // Started while closed, failed after the breaker left closed: cockatiel would count it as a closed-state
          // failure and reopen a half-open breaker under its probe, so a successful probe would no longer close it.
          // Such a late failure is the outage's, already counted: passed on uncounted.
          if (policy.state !== CircuitState.Closed) throw new LateFailure(error);
          throw error;
        }
      }, signal);
    } catch (caught) {
      const error = caught instanceof LateFailure ? caught.cause : caught;
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
      outage.stop();
    },
  };
}

/** A failure the breaker must not count (see `guarded`): cockatiel's filter does not handle it, so it passes through. */
class LateFailure extends NamedError {
  constructor(override readonly cause: unknown) {
    super("a database call failed after the circuit breaker had opened", { cause, name: "LateFailure" });
  }
}

/**
 * The outage as the log tells it (issue 17): one error line when it starts, with the failure that showed it, a
 * warning every `summaryEveryMs` while it lasts saying how many requests were refused, one line when it ends.
 */
function createOutageLog(name: string, log: Logger, summaryEveryMs: number) {
  let startedAt = 0;
  let refused = 0;
  let refusedSinceSummary = 0;
  let summary: NodeJS.Timeout | undefined;
  return {
    began(err: unknown, how: string): void {
      startedAt = Date.now();
      log.error({ err, breaker: name }, `database unreachable: ${how}`);
      summary = setInterval(() => {
        log.warn(
          { breaker: name, refused: refusedSinceSummary, refusedTotal: refused, outageSeconds: secondsSince(startedAt) },
          `database still unreachable after ${secondsSince(startedAt)} s: ${refusedSinceSummary} requests refused ` +
            `in the last ${Math.round(summaryEveryMs / 1000)} s`,
        );
        refusedSinceSummary = 0;
      }, summaryEveryMs);
      summary.unref();
    },
    refused(): void {
      refused++;
      refusedSinceSummary++;
    },
    ended(how: string): void {
      clearInterval(summary);
      log.info(
        { breaker: name, refusedTotal: refused, outageSeconds: secondsSince(startedAt) },
        `database reachable again after ${secondsSince(startedAt)} s: ${how}; ${refused} requests were refused meanwhile`,
      );
      refused = 0;
      refusedSinceSummary = 0;
    },
    stop(): void {
      clearInterval(summary);
    },
  };
}

/**
 * DB_BREAKER_FAILURES=0: no breaker (every unit tries the database, nothing is retried), and still no 500 for a
 * database that cannot be reached: the caller gets DATABASE_UNAVAILABLE to retry. For comparing its cost
 * (bench/api.ts) and for operators who would rather have every request try.
 */
function withoutBreaker(name: string, log: Logger, summaryEveryMs: number): DatabaseCircuitBreaker {
  // The outage is still logged once, from the first failure to reach the database to the first call that does.
  const outage = createOutageLog(name, log, summaryEveryMs);
  let down = false;
  const translated = async <T>(unit: () => Promise<T>): Promise<T> => {
    try {
      const result = await unit();
      if (down) {
        down = false;
        outage.ended("a call got through (circuit breaker off)");
      }
      return result;
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      if (!down) {
        down = true;
        outage.began(error, "a call could not reach it (circuit breaker off: every request still tries it)");
      }
      outage.refused();
      throw new DatabaseUnavailableError(1, { cause: error });
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
    stop: () => outage.stop(),
  };
}

/** 25 ms plus up to 75 ms at random: cockatiel's backoff generator contract ([delay, next state]). */
function spreadDelay(state: unknown, options: { initialDelay: number; maxDelay: number }): [number, unknown] {
  return [options.initialDelay + Math.random() * (options.maxDelay - options.initialDelay), state];
}

/** The probe failed in a way that is not a connection failure as such (a timeout): still not a reachable database. */
class ProbeFailedError extends NamedError {
  constructor(cause: unknown) {
    super("the database probe failed", { cause, name: "ProbeFailedError" });
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
