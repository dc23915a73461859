/**
 * The cheap limits before any database work (issue 18), per process:
 * - keys the database refused a moment ago are refused again from memory, so a flood of attempts on a throttled
 *   account or from a throttled address costs no transaction, no audit row and no password hashing. Each replica
 *   learns on its own, at the price of one database check per key and minute;
 * - at most ADDRESS_ATTEMPTS_PER_MINUTE attempts per client address reach the database, whatever they carry (a
 *   made-up device cookie, say, which only the database can tell from a real one).
 *
 * A refusal is held for at most MEMO_MAX_MS even when the database's wait is longer: an ADMIN clearing an
 * account's failures on another replica is honoured here within that time (on this one at once: {@link forget}).
 */
import type { Clock } from "../ports/clock";

const MEMO_MAX_MS = 60_000;
/** Far above what people type; a script hammering from one address is held to it. */
export const ADDRESS_ATTEMPTS_PER_MINUTE = 60;
/** Keys remembered at once; past it the oldest go first (an attacker rotating keys only makes us check more). */
const MAX_KEYS = 10_000;

export interface SignInGate {
  /** How long `keys`' first refused key is still refused (ms), or 0 when none is known to be. */
  refusal(keys: readonly string[]): number;
  /** The database refused `key` for `retryAfterMs`. */
  remember(key: string, retryAfterMs: number): void;
  /** `key`'s failures were cleared: stop refusing it. */
  forget(key: string): void;
  /** Counts one attempt from `addressKey` that is about to reach the database: 0 when admitted, else ms to wait. */
  admit(addressKey: string): number;
}

export function createSignInGate(clock: Clock): SignInGate {
  /** Per key: when the database's refusal ends (for Retry-After), and until when memory may repeat it. */
  const memo = new Map<string, { until: number; trustedUntil: number }>();
  /** Per address: attempts in the current minute. */
  const budgets = new Map<string, { minuteEnds: number; attempts: number }>();
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
      setNewest(memo, key, { until: now + retryAfterMs, trustedUntil: now + MEMO_MAX_MS });
    },
    forget(key) {
      memo.delete(key);
    },
    admit(addressKey) {
      const now = clock.now().getTime();
      const budget = budgets.get(addressKey);
      if (!budget || budget.minuteEnds <= now) {
        setNewest(budgets, addressKey, { minuteEnds: now + 60_000, attempts: 1 });
        return 0;
      }
      if (budget.attempts >= ADDRESS_ATTEMPTS_PER_MINUTE) return budget.minuteEnds - now;
      budget.attempts++;
      return 0;
    },
  };
}

/** Sets `key` as the newest entry (a Map keeps insertion order), dropping the oldest past MAX_KEYS. */
function setNewest<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= MAX_KEYS) break;
    map.delete(oldest);
  }
}
