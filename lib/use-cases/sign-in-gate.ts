/**
 * The cheap limit before any database work (issue 18): keys the database refused a moment ago are refused again
 * from memory, so a flood of attempts on a throttled account or from a throttled address costs no transaction,
 * no audit row and no password hashing. Per process: each replica learns on its own, at the price of one
 * database check per key and minute.
 *
 * Held for at most MEMO_MAX_MS even when the database's wait is longer: an ADMIN clearing an account's failures
 * on another replica is honoured here within that time (on this one at once, through {@link forget}).
 */
import type { Clock } from "../ports/clock";

const MEMO_MAX_MS = 60_000;
/** Keys remembered at once; past it the oldest go first (an attacker rotating keys only makes us check more). */
const MEMO_MAX_KEYS = 10_000;

export interface SignInGate {
  /** How long `keys`' first refused key is still refused (ms), or 0 when none is known to be. */
  refusal(keys: readonly string[]): number;
  /** The database refused `key` for `retryAfterMs`. */
  remember(key: string, retryAfterMs: number): void;
  /** `key`'s failures were cleared: stop refusing it. */
  forget(key: string): void;
}

export function createSignInGate(clock: Clock): SignInGate {
  /** Per key: when the database's refusal ends (for Retry-After), and until when memory may repeat it. */
  const memo = new Map<string, { until: number; trustedUntil: number }>();
  return {
    refusal(keys) {
      const now = clock.now().getTime();
      for (const key of keys) {
        const known = memo.get(key);
        if (known === undefined) continue;
        if (known.trustedUntil > now && known.until > now) return known.until - now;
        memo.delete(key);
      }
      return 0;
    },
    remember(key, retryAfterMs) {
      const now = clock.now().getTime();
      memo.delete(key); // re-inserted last: the Map's order is the eviction order
      memo.set(key, { until: now + retryAfterMs, trustedUntil: now + MEMO_MAX_MS });
      for (const oldest of memo.keys()) {
        if (memo.size <= MEMO_MAX_KEYS) break;
        memo.delete(oldest);
      }
    },
    forget(key) {
      memo.delete(key);
    },
  };
}
