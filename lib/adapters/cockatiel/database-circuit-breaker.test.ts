import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { recordingLogger, type LogLine } from "../../../test/support/recording-logger";
import { DatabaseBusyError, DeadlineExceededError, EmailTakenError } from "../../domain/errors";
import type { BreakerState } from "../../ports/database";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { createInMemoryDatabase } from "../memory/in-memory-database";
import { createDatabaseCircuitBreaker, type DatabaseCircuitBreakerOptions } from "./database-circuit-breaker";

/*
 * The breaker's decisions (issue 17) on the in-memory database, which can be set unreachable: it then fails
 * every unit as a connect to a stopped PostgreSQL does (ECONNREFUSED). Time is faked: the open period and the
 * prober's ticks are timers.
 */

const FAILURES = 3;
const HALF_OPEN_MS = 5_000;
const PROBE_EVERY_MS = 1_000;
const SUMMARY_EVERY_MS = 30_000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The in-memory database behind a breaker, with every unit that reached the database counted. */
function setUp(overrides: Partial<DatabaseCircuitBreakerOptions> = {}) {
  const db = createInMemoryDatabase();
  const lines: LogLine[] = [];
  const transitions: [BreakerState, BreakerState][] = [];
  const reached = { count: 0 };
  const counted: UnitOfWork = {
    run: (work, options) => {
      reached.count++;
      return db.unitOfWork.run(work, options);
    },
    read: (work, options) => {
      reached.count++;
      return db.unitOfWork.read(work, options);
    },
  };
  const probes = { count: 0 };
  const breaker = createDatabaseCircuitBreaker({
    name: "database",
    failures: FAILURES,
    halfOpenAfterMs: HALF_OPEN_MS,
    probeEveryMs: PROBE_EVERY_MS,
    summaryEveryMs: SUMMARY_EVERY_MS,
    probeTimeoutMs: 1_000,
    probe: (signal) => {
      probes.count++;
      return db.lifecycle.ping(signal);
    },
    log: recordingLogger(lines),
    onTransition: (from, to) => transitions.push([from, to]),
    ...overrides,
  });
  const unitOfWork = breaker.guard(counted);
  const write = () => unitOfWork.run(async ({ users }) => users.getById("00000000-0000-7000-8000-000000000000"));
  const read = () => unitOfWork.read(async ({ users }) => users.getById("00000000-0000-7000-8000-000000000000"));
  return { db, breaker, unitOfWork, write, read, lines, transitions, reached, probes };
}

/** Runs `unit` and returns what it rejected with (fails the test if it resolved). */
async function rejection(unit: () => Promise<unknown>): Promise<unknown> {
  try {
    await unit();
  } catch (error) {
    return error;
  }
  throw new Error("expected the unit of work to be refused");
}

/** Lets the prober's interval and the probe's promise chain run. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

describe("the database circuit breaker (cockatiel, issue 17)", () => {
  it("answers every failure to reach the database as DATABASE_UNAVAILABLE with a Retry-After", async () => {
    const { db, write } = setUp();
    db.setUnreachable(true);
    const error = await rejection(write);
    expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE", retryAfterSeconds: 1 });
    // The driver's error stays reachable for the log, never in the answer.
    expect((error as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it(`opens after ${FAILURES} units in a row fail to reach it, then refuses every unit without touching the database`, async () => {
    const { db, breaker, write, read, reached, transitions } = setUp();
    db.setUnreachable(true);
    for (let i = 0; i < FAILURES; i++) await rejection(write);
    expect(breaker.state()).toBe("open");
    expect(transitions).toEqual([["closed", "open"]]);
    const before = reached.count;
    for (let i = 0; i < 50; i++) {
      expect(await rejection(i % 2 ? write : read)).toMatchObject({ code: "DATABASE_UNAVAILABLE", retryAfterSeconds: 5 });
    }
    expect(reached.count).toBe(before);
    // Retry-After counts down to the first probe.
    await advance(2_500);
    expect(await rejection(write)).toMatchObject({ retryAfterSeconds: 3 });
  });

  it("counts failures in a row only: one unit that reaches the database starts the count again", async () => {
    const { db, breaker, write } = setUp();
    for (let round = 0; round < 3; round++) {
      db.setUnreachable(true);
      for (let i = 0; i < FAILURES - 1; i++) await rejection(write);
      db.setUnreachable(false);
      await write();
    }
    expect(breaker.state()).toBe("closed");
  });

  it.each([
    ["a deadline (DEADLINE_EXCEEDED)", () => new DeadlineExceededError(5_000)],
    ["a busy pool (DATABASE_BUSY)", () => new DatabaseBusyError()],
    ["a statement cancelled by its deadline (SQLSTATE 57014)", () => Object.assign(new Error("canceling statement due to user request"), { code: "57014", severity: "ERROR" })],
    ["a rule violation", () => new EmailTakenError("a@example.com")],
    ["a client that went away", () => new DOMException("This operation was aborted", "AbortError")],
  ])("is not opened by %s, however many, and passes it on unchanged", async (_, makeError) => {
    const { breaker, unitOfWork } = setUp();
    for (let i = 0; i < FAILURES * 3; i++) {
      const thrown = makeError();
      expect(await rejection(() => unitOfWork.run(() => Promise.reject(thrown)))).toBe(thrown);
    }
    expect(breaker.state()).toBe("closed");
  });

  it("half-open: one background probe tries the database; requests are refused meanwhile; its success closes the breaker", async () => {
    let answer: (() => void) | undefined;
    const { db, breaker, write, probes, transitions } = setUp({
      probe: () => {
        probes.count++;
        return new Promise<void>((resolve) => (answer = resolve));
      },
    });
    db.setUnreachable(true);
    for (let i = 0; i < FAILURES; i++) await rejection(write);
    await advance(HALF_OPEN_MS - PROBE_EVERY_MS);
    expect(probes.count).toBe(0);
    await advance(PROBE_EVERY_MS);
    expect(breaker.state()).toBe("half-open");
    expect(probes.count).toBe(1);
    // While the probe hangs, ticks start no second probe and requests do not reach the database.
    db.setUnreachable(false);
    await advance(PROBE_EVERY_MS * 3);
    expect(probes.count).toBe(1);
    expect(await rejection(write)).toMatchObject({ code: "DATABASE_UNAVAILABLE", retryAfterSeconds: 1 });
    answer?.();
    await advance(0);
    expect(breaker.state()).toBe("closed");
    expect(transitions).toEqual([
      ["closed", "open"],
      ["open", "half-open"],
      ["half-open", "closed"],
    ]);
    await expect(write()).resolves.toBeNull();
  });

  it("a failed probe opens it again for another period; it closes at the first probe after the database is back", async () => {
    const { db, breaker, write, transitions } = setUp();
    db.setUnreachable(true);
    for (let i = 0; i < FAILURES; i++) await rejection(write);
    await advance(HALF_OPEN_MS);
    expect(breaker.state()).toBe("open");
    expect(transitions.at(-1)).toEqual(["half-open", "open"]);
    db.setUnreachable(false);
    // Back within one open period plus one tick: well under the 10 s.
    await advance(HALF_OPEN_MS + PROBE_EVERY_MS);
    expect(breaker.state()).toBe("closed");
    await expect(write()).resolves.toBeNull();
  });

  it("a probe that times out (not a connection error as such) does not close it", async () => {
    const { db, breaker, write } = setUp({
      probe: () => Promise.reject(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
    });
    db.setUnreachable(true);
    for (let i = 0; i < FAILURES; i++) await rejection(write);
    await advance(HALF_OPEN_MS * 3);
    expect(breaker.state()).toBe("open");
  });

  it("tries a read once more after a jittered pause when the database dropped it; never a write", async () => {
    const { unitOfWork, reached } = setUp();
    const dropped = () => Object.assign(new Error("Connection terminated unexpectedly"), {});
    let readCalls = 0;
    const read = unitOfWork.read(async () => {
      readCalls++;
      if (readCalls === 1) throw dropped();
      return "answer";
    });
    await advance(100);
    await expect(read).resolves.toBe("answer");
    expect(readCalls).toBe(2);
    expect(reached.count).toBe(2);

    let writeCalls = 0;
    const error = await rejection(() =>
      unitOfWork.run(async () => {
        writeCalls++;
        throw dropped();
      }),
    );
    expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(writeCalls).toBe(1);
  });

  it("does not retry a read whose caller gave up meanwhile, nor once other units have opened the breaker", async () => {
    const { breaker } = setUp({ failures: 1 });
    const caller = new AbortController();
    let calls = 0;
    let meanwhile = async () => caller.abort();
    // The database drops the read's connection just as something else happens meanwhile.
    const dropping: UnitOfWork = {
      run: () => Promise.reject(new Error("Connection terminated unexpectedly")),
      read: async () => {
        calls++;
        await meanwhile();
        throw new Error("Connection terminated unexpectedly");
      },
    };
    const guarded = breaker.guard(dropping);
    const gaveUp = rejection(() => guarded.read(async () => null, { signal: caller.signal }));
    await advance(100);
    expect(await gaveUp).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(calls).toBe(1);
    // The caller gave up: that read counted, and with failures: 1 it opened the breaker; start again closed.
    const { breaker: second } = setUp({ failures: 1 });
    const guardedAgain = second.guard(dropping);
    calls = 0;
    // Meanwhile a write fails to reach the database and opens the breaker: the read is not tried again.
    meanwhile = async () => void (await rejection(() => guardedAgain.run(async () => null)));
    const opened = rejection(() => guardedAgain.read(async () => null));
    await advance(100);
    expect(await opened).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(calls).toBe(1);
    expect(second.state()).toBe("open");
  });

  it("logs one line when the outage starts, a summary per period while it lasts, one when it ends: none per request", async () => {
    const { db, write, lines } = setUp();
    db.setUnreachable(true);
    for (let i = 0; i < 100; i++) await rejection(write);
    await advance(SUMMARY_EVERY_MS);
    for (let i = 0; i < 20; i++) await rejection(write);
    await advance(SUMMARY_EVERY_MS);
    db.setUnreachable(false);
    await advance(HALF_OPEN_MS + PROBE_EVERY_MS);
    expect(lines.map(({ level, message }) => `${level}: ${message}`)).toEqual([
      expect.stringMatching(/^error: database unreachable: 3 calls in a row could not reach it; circuit breaker "database" open/),
      expect.stringMatching(/^warn: database still unreachable after 30 s: 100 requests refused in the last 30 s$/),
      expect.stringMatching(/^warn: database still unreachable after 60 s: 20 requests refused in the last 30 s$/),
      expect.stringMatching(/^info: database reachable again after 6\d s: circuit breaker "database" closed; 120 requests were refused meanwhile$/),
    ]);
    expect(lines[0]?.fields).toMatchObject({ err: expect.objectContaining({ code: "ECONNREFUSED" }) });
  });

  it("counts /ready's pings like units of work, and refuses them at once while open (no connection, no log line per probe)", async () => {
    const { db, breaker, lines } = setUp();
    let pings = 0;
    const lifecycle = breaker.guardLifecycle({
      ...db.lifecycle,
      ping: (signal) => {
        pings++;
        return db.lifecycle.ping(signal);
      },
    });
    db.setUnreachable(true);
    for (let i = 0; i < FAILURES; i++) expect(await rejection(() => lifecycle.ping())).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(breaker.state()).toBe("open");
    for (let i = 0; i < 10; i++) await rejection(() => lifecycle.ping());
    expect(pings).toBe(FAILURES);
    expect(lines).toHaveLength(1);
  });

  it("DB_BREAKER_FAILURES=0: no breaker, every unit tries the database, a failure to reach it is still DATABASE_UNAVAILABLE, logged once", async () => {
    const { db, breaker, write, reached, lines } = setUp({ failures: 0 });
    db.setUnreachable(true);
    for (let i = 0; i < 20; i++) expect(await rejection(write)).toMatchObject({ code: "DATABASE_UNAVAILABLE", retryAfterSeconds: 1 });
    expect(reached.count).toBe(20);
    expect(breaker.state()).toBe("closed");
    db.setUnreachable(false);
    await write();
    expect(lines.map(({ level, message }) => `${level}: ${message}`)).toEqual([
      expect.stringMatching(/^error: database unreachable: a call could not reach it \(circuit breaker off/),
      expect.stringMatching(/^info: database reachable again after \d+ s: a call got through \(circuit breaker off\); 20 requests were refused meanwhile$/),
    ]);
  });

  it("a unit that started while closed and fails while the probe runs does not reopen the breaker under it", async () => {
    let answer: (() => void) | undefined;
    const { db, breaker, unitOfWork, write } = setUp({
      probe: () => new Promise<void>((resolve) => (answer = resolve)),
    });
    // A slow unit starts while closed and is still running when the breaker opens and its probe begins.
    let failSlow: (() => void) | undefined;
    const slow = rejection(() =>
      unitOfWork.run(() => new Promise((_, reject) => (failSlow = () => reject(new Error("Connection terminated unexpectedly"))))),
    );
    await advance(0);
    expect(failSlow, "the slow unit is running").toBeDefined();
    db.setUnreachable(true);
    for (let i = 0; i < FAILURES; i++) await rejection(write);
    await advance(HALF_OPEN_MS);
    expect(breaker.state()).toBe("half-open");
    failSlow?.();
    expect(await slow).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(breaker.state()).toBe("half-open");
    db.setUnreachable(false);
    answer?.();
    await advance(0);
    expect(breaker.state()).toBe("closed");
  });

  it("stop() ends the prober: a stopped breaker stays open rather than probe a database that is closing", async () => {
    const { db, breaker, write, probes } = setUp();
    db.setUnreachable(true);
    for (let i = 0; i < FAILURES; i++) await rejection(write);
    breaker.stop();
    db.setUnreachable(false);
    await advance(HALF_OPEN_MS * 3);
    expect(probes.count).toBe(0);
    expect(breaker.state()).toBe("open");
  });
});
