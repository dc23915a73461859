/**
 * The database circuit breaker's own CPU cost per unit of work (issue 17), measured in this process: `guard`ed
 * around an inner unit of work that does nothing, given a caller's signal as withDeadline gives it in production
 * (lib/composition-root.ts), once with the shipped breaker and once with DB_BREAKER_FAILURES=0 (the breaker off,
 * which still translates connection failures), in interleaved rounds. The difference is what the breaker adds to
 * each request's CPU; bench/api.ts relates it to the app's measured CPU per GET by id.
 *
 * Why not from wrk's rates alone: two rounds of the same server differ by 10-15 % on this shared machine, so a
 * 2 % goal cannot be read from them; a per-call difference over hundreds of thousands of calls can.
 */
import { createDatabaseCircuitBreaker } from "../../lib/adapters/cockatiel/database-circuit-breaker";
import { createLogger } from "../../lib/adapters/pino/logger";
import type { Queries, Repositories, UnitOfWork } from "../../lib/ports/unit-of-work";

export interface BreakerOverhead {
  calls: number;
  rounds: number;
  /** Median over the rounds of the mean time per `read`, in microseconds. */
  guardedUs: number;
  unguardedUs: number;
  /** guardedUs - unguardedUs: the breaker's CPU per unit of work (the loop is CPU-bound: nothing waits). */
  overheadUs: number;
}

export async function measureBreakerOverhead(calls = 200_000, rounds = 5): Promise<BreakerOverhead> {
  const log = createLogger({ LOG_LEVEL: "silent" });
  const options = { name: "bench", halfOpenAfterMs: 5_000, probe: async () => undefined, probeTimeoutMs: 1_000, log };
  const on = createDatabaseCircuitBreaker({ ...options, failures: 5 });
  const off = createDatabaseCircuitBreaker({ ...options, failures: 0 });
  // What a GET by id's unit of work is once its query answered: a read that resolves with a row.
  const row = { id: "0192f0c4-7a2b-7c3d-8e4f-5a6b7c8d9e0f" };
  const inner: UnitOfWork = {
    read: (work) => work({} as Queries),
    run: (work) => work({} as Repositories),
  };
  const stacks = { guarded: on.guard(inner), unguarded: off.guard(inner) };
  const timeOf = async (unitOfWork: UnitOfWork): Promise<number> => {
    const { signal } = new AbortController();
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await unitOfWork.read(async () => row, { signal });
    return Number(process.hrtime.bigint() - started) / 1_000 / calls;
  };
  // Warm-up: both paths optimised before anything is timed.
  await timeOf(stacks.guarded);
  await timeOf(stacks.unguarded);
  const samples = { guarded: [] as number[], unguarded: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    // Order swapped every round, so a drift of the machine's speed does not favour one.
    const order = round % 2 === 0 ? (["guarded", "unguarded"] as const) : (["unguarded", "guarded"] as const);
    for (const key of order) samples[key].push(await timeOf(stacks[key]));
  }
  on.stop();
  off.stop();
  const guardedUs = median(samples.guarded);
  const unguardedUs = median(samples.unguarded);
  return { calls, rounds, guardedUs, unguardedUs, overheadUs: guardedUs - unguardedUs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
