import type { Principal } from "../domain/auth";
import { ConcurrencyLimitError } from "../domain/errors";

/** How many of one kind of long or heavy request may be open at once (issue 18, items 6 and 7). */
export interface ConcurrencyCaps {
  /** Per principal: a user (all their sessions together) or an API token. */
  perPrincipal: number;
  /** Per process: everyone on this replica together. */
  perProcess: number;
  /** Told to a caller refused past a cap (Retry-After). */
  retryAfterSeconds: number;
}

export interface ConcurrencySlots {
  /**
   * Takes a slot for `principal`, or refuses at once.
   * @returns the slot's release; calling it again does nothing.
   * @throws ConcurrencyLimitError past either cap (the principal's is checked first, so a caller who holds their
   *   own share hears about that, not about the process).
   */
  acquire(principal: Principal): () => void;
  /** Slots held now, in all (metrics, tests). */
  readonly inUse: number;
}

/**
 * Counted slots in the process's memory: each replica caps its own share, which is what bounds its memory and
 * the database work it starts; nothing is shared between replicas.
 */
export function createConcurrencySlots(what: string, caps: ConcurrencyCaps): ConcurrencySlots {
  const held = new Map<string, number>();
  let total = 0;
  return {
    acquire(principal) {
      const key = principalKey(principal);
      const mine = held.get(key) ?? 0;
      if (mine >= caps.perPrincipal) throw new ConcurrencyLimitError(what, "principal", caps.perPrincipal, caps.retryAfterSeconds);
      if (total >= caps.perProcess) throw new ConcurrencyLimitError(what, "process", caps.perProcess, caps.retryAfterSeconds);
      held.set(key, mine + 1);
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (held.get(key) ?? 1) - 1;
        if (left > 0) held.set(key, left);
        else held.delete(key);
      };
    },
    get inUse() {
      return total;
    },
  };
}

/** A user is one principal whatever their sessions; a token is one of its own. */
function principalKey(principal: Principal): string {
  return principal.kind === "user" ? `user:${principal.userId}` : `token:${principal.tokenId}`;
}
