import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { createInvalidationCoalescer, type LiveMessage } from "./live-invalidation";
import { AUDIT_KEY, TOKENS_KEY, USER_FLAGS_KEY, USER_STATS_KEY, USERS_KEY } from "./query-keys";

const userChanged = (id: string): LiveMessage => ({ kind: "change", change: { type: "user.updated", subject: { type: "user", id } } });

describe("the live console's invalidation coalescer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("turns a burst of 5,000 changes into one invalidation of each key touched, once the burst is quiet", () => {
    const flushes: (readonly (readonly unknown[])[] | null)[] = [];
    const coalescer = createInvalidationCoalescer((keys) => flushes.push(keys), { quietMs: 250, maxWaitMs: 60_000 });
    for (let i = 0; i < 5_000; i++) coalescer.add(userChanged(`u${i}`));
    expect(flushes).toEqual([]);
    vi.advanceTimersByTime(249);
    expect(flushes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(flushes).toEqual([[USERS_KEY, USER_STATS_KEY, USER_FLAGS_KEY, AUDIT_KEY]]);
  });

  it("flushes a burst that never goes quiet every maxWaitMs, so the screen keeps up", () => {
    const flushes: (readonly (readonly unknown[])[] | null)[] = [];
    const coalescer = createInvalidationCoalescer((keys) => flushes.push(keys), { quietMs: 250, maxWaitMs: 1_000 });
    // A change every 100 ms for 3.5 s: never 250 ms of quiet.
    for (let t = 0; t < 3_500; t += 100) {
      coalescer.add(userChanged(`u${t}`));
      vi.advanceTimersByTime(100);
    }
    expect(flushes).toHaveLength(3);
    vi.advanceTimersByTime(250);
    expect(flushes).toHaveLength(4);
  });

  it("merges the keys of different subjects, and says 'all' after a reset", () => {
    const flushes: (readonly (readonly unknown[])[] | null)[] = [];
    const coalescer = createInvalidationCoalescer((keys) => flushes.push(keys), { quietMs: 250, maxWaitMs: 1_000 });
    coalescer.add({ kind: "change", change: { type: "token.revoked", subject: { type: "token", id: "t1" } } });
    coalescer.add(userChanged("u1"));
    vi.advanceTimersByTime(250);
    expect(flushes[0]).toEqual([TOKENS_KEY, AUDIT_KEY, USERS_KEY, USER_STATS_KEY, USER_FLAGS_KEY]);
    coalescer.add(userChanged("u2"));
    coalescer.add({ kind: "reset" });
    vi.advanceTimersByTime(250);
    expect(flushes[1]).toBeNull();
    coalescer.add(userChanged("u3"));
    coalescer.stop();
    vi.advanceTimersByTime(2_000);
    expect(flushes).toHaveLength(2);
  });
});
