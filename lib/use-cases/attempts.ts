import { accountDelayMs, ACCOUNT_FAILURE_WINDOW_MS, SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MS } from "../domain/auth";
import type { SignInFailureRepository } from "../ports/auth-repositories";
import type { Clock } from "../ports/clock";

/**
 * How failures under a key slow the next attempt (domain/auth.ts): `window` refuses once the key has
 * SIGN_IN_MAX_FAILURES failures in SIGN_IN_WINDOW_MS (client addresses, known devices, password changes);
 * `growing-delay` never locks, it makes each attempt wait longer after the latest failure (accounts, issue 18).
 */
export interface ThrottleKey {
  readonly key: string;
  readonly rule: "window" | "growing-delay";
}

export type AttemptClaim =
  | { readonly admitted: true; readonly records: string[] }
  | { readonly admitted: false; readonly key: string; readonly retryAfterMs: number };

/**
 * Admits one password attempt under `keys`, or refuses it with the key that refused and how long to wait. An
 * admitted attempt is counted as a failure before the password is checked, under a lock on the keys, so parallel
 * guesses cannot all slip through one check; the caller removes the returned records when the password turns
 * out right. A refused attempt is not counted: it checked nothing, and must not push the owner's wait further.
 */
export async function claimAttempt(
  failures: SignInFailureRepository,
  keys: readonly ThrottleKey[],
  clock: Clock,
): Promise<AttemptClaim> {
  await failures.lock(keys.map(({ key }) => key));
  const now = clock.now();
  for (const { key, rule } of keys) {
    const retryAfterMs = await waitLeft(failures, key, rule, now);
    if (retryAfterMs > 0) return { admitted: false, key, retryAfterMs };
  }
  return { admitted: true, records: await failures.record(keys.map(({ key }) => key), now) };
}

async function waitLeft(
  failures: SignInFailureRepository,
  key: string,
  rule: ThrottleKey["rule"],
  now: Date,
): Promise<number> {
  if (rule === "window") {
    const { count, earliest } = await failures.countSince(key, new Date(now.getTime() - SIGN_IN_WINDOW_MS));
    return count >= SIGN_IN_MAX_FAILURES && earliest ? earliest.getTime() + SIGN_IN_WINDOW_MS - now.getTime() : 0;
  }
  const { count, latest } = await failures.countSince(key, new Date(now.getTime() - ACCOUNT_FAILURE_WINDOW_MS));
  return latest ? latest.getTime() + accountDelayMs(count) - now.getTime() : 0;
}

/** The marker that records a refusal on `key` was audited (kept among the failures, purged with them). */
export function refusalMarker(key: string): string {
  return `throttled:${key}`;
}

/**
 * Whether this refusal is the first on `key` within SIGN_IN_WINDOW_MS, recording it if so: only that one is
 * audited (issue 18: refused attempts would otherwise each write an audit row). Call it in the unit that
 * claimed the attempt: the lock on `key` is still held, so two replicas cannot both see "first".
 */
export async function firstRefusalInWindow(failures: SignInFailureRepository, key: string, clock: Clock): Promise<boolean> {
  const now = clock.now();
  const marker = refusalMarker(key);
  const { count } = await failures.countSince(marker, new Date(now.getTime() - SIGN_IN_WINDOW_MS));
  if (count > 0) return false;
  await failures.record([marker], now);
  return true;
}

/** Whole seconds to announce in Retry-After: at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1_000));
}
