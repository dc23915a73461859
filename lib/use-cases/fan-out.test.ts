import { setTimeout as sleep } from "node:timers/promises";

import { describe, expect, it } from "vitest";

import { fanOut, partOf, type Part } from "./fan-out";

/** A part that records how many parts run at the moment it starts, then takes `ms`. */
function gauge() {
  let running = 0;
  let peak = 0;
  const started: string[] = [];
  const part =
    (name: string, ms = 20): Part<string> =>
    async (signal) => {
      started.push(name);
      running++;
      peak = Math.max(peak, running);
      try {
        await sleep(ms, undefined, { signal });
        return name;
      } finally {
        running--;
      }
    };
  return { part, started, peak: () => peak };
}

/** A part that only ends when its signal aborts; records that signal. */
function hanging(signals: Map<string, AbortSignal>, name: string): Part<never> {
  return (signal) => {
    signals.set(name, signal);
    return new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
  };
}

describe("fanOut", () => {
  it.each([1, 2, 3, 4])("runs at most %i parts at once, and all of them", async (concurrency) => {
    const { part, peak } = gauge();
    const result = await fanOut({ a: part("a"), b: part("b"), c: part("c"), d: part("d") }, { concurrency });
    expect(result).toEqual({ a: "a", b: "b", c: "c", d: "d" });
    expect(peak()).toBe(concurrency);
  });

  it("aborts the running parts' signal at the first failure, never starts the queued ones, and names the part", async () => {
    const signals = new Map<string, AbortSignal>();
    const { part, started } = gauge();
    const failure = new Error("sessions table is gone");
    const outcome = fanOut(
      {
        user: hanging(signals, "user"),
        audit: hanging(signals, "audit"),
        sessions: async () => {
          await sleep(5);
          throw failure;
        },
        flags: part("flags"),
      },
      { concurrency: 3 },
    );
    await expect(outcome).rejects.toBe(failure);
    expect(partOf(failure)).toBe("sessions");
    expect(signals.get("user")?.aborted).toBe(true);
    expect(signals.get("audit")?.aborted).toBe(true);
    // flags waited behind the cap of 3 and must not start once the fan-out has failed.
    await sleep(10);
    expect(started).toEqual([]);
  });

  it("passes the caller's abort on as it is, naming no part", async () => {
    const signals = new Map<string, AbortSignal>();
    const caller = new AbortController();
    const reason = new Error("deadline");
    const outcome = fanOut({ user: hanging(signals, "user"), audit: hanging(signals, "audit") }, { concurrency: 2, signal: caller.signal });
    await sleep(1);
    caller.abort(reason);
    await expect(outcome).rejects.toBe(reason);
    expect(partOf(reason)).toBeUndefined();
    expect(signals.get("user")?.aborted).toBe(true);
  });

  it("wraps a thrown non-Error so the part can still be named", async () => {
    const outcome = fanOut({ odd: () => Promise.reject("a string") }, { concurrency: 1 });
    await expect(outcome).rejects.toMatchObject({ part: "odd", message: expect.stringContaining("a string") });
  });
});
