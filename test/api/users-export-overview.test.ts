/**
 * The export and overview suite in memory, plus what only test doubles can show: how the CSV stream behaves
 * when a page fails, when the client leaves and past the request's deadline, and how the overview's fan-out caps
 * its parts and stops them at the first failure.
 */
import { setTimeout as sleep } from "node:timers/promises";

import { beforeAll, describe, expect, it, vi } from "vitest";

import { registerApp } from "../../lib/app-registry";
import { createInMemoryDatabase } from "../../lib/adapters/memory/in-memory-database";
import type { Principal } from "../../lib/domain/auth";
import { untilAborted } from "../../lib/domain/until-aborted";
import { exportUsers as exportHandler } from "../../lib/http/handlers/users-export";
import { getUserOverview as overviewHandler } from "../../lib/http/handlers/users-overview";
import type { Logger } from "../../lib/ports/logger";
import type { Repositories, UnitOfWork } from "../../lib/ports/unit-of-work";
import { systemClock } from "../../lib/ports/clock";
import { makeExportUsers } from "../../lib/use-cases/export-users";
import { partOf } from "../../lib/use-cases/fan-out";
import { makeEvaluateUserFlags } from "../../lib/use-cases/evaluate-user-flags";
import { makeGetUserOverview } from "../../lib/use-cases/get-user-overview";
import { createApiHarness, fastTestHasher, ORIGIN } from "../support/api-harness";
import { describeExportAndOverview, parseCsv } from "./users-export-overview.suite";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
const PASSWORD = "correct horse battery";

let api: Harness;
beforeAll(async () => {
  api = await createApiHarness({ hasher: fastTestHasher });
});

describeExportAndOverview("in memory", () => api);

/** The overview use case on `unitOfWork`, its flags part evaluated through the same units of work. */
function overviewWith(unitOfWork: UnitOfWork, options: { concurrency?: number } = {}) {
  const evaluateUserFlags = makeEvaluateUserFlags({ unitOfWork, flags: api.app.featureFlags });
  return makeGetUserOverview({ unitOfWork, clock: systemClock, evaluateUserFlags, ...options });
}

/** A logger whose error() calls a test can read. */
function spyLog(): Logger & { error: ReturnType<typeof vi.fn> } {
  const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn(), child: () => log };
  return log;
}

/**
 * Wraps a unit of work: counts the units that actually ran their work, remembers each run's signal, and runs
 * `before(n)` (n = 1 for the first unit) ahead of the work.
 */
function instrumented(inner: UnitOfWork, before: (n: number, signal: AbortSignal | undefined) => Promise<void> = async () => {}) {
  const signals: (AbortSignal | undefined)[] = [];
  let worked = 0;
  let calls = 0;
  const unitOfWork: UnitOfWork = {
    read: (work, options) => inner.read(work, options),
    async run(work, options) {
      const n = ++calls;
      signals.push(options?.signal);
      await before(n, options?.signal);
      return inner.run(async (repos) => {
        worked++;
        return work(repos);
      }, options);
    },
  };
  return { unitOfWork, signals, worked: () => worked };
}

/** Calls a handler directly with a GET carrying `cookie`, optionally with a signal of the caller's (the client). */
function get(handler: (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>, path: string, cookie: string, params: Record<string, string> = {}, signal?: AbortSignal) {
  const request = new Request(new URL(path, ORIGIN), { headers: { cookie, host: new URL(ORIGIN).host }, signal });
  return handler(request, { params: Promise.resolve(params) });
}

describe("the CSV stream, in memory", () => {
  let admin: string;
  const tag = `stream${Date.now()}`;
  beforeAll(async () => {
    await api.createUser({ email: `admin@${tag}.example`, role: "ADMIN", password: PASSWORD });
    admin = await api.signIn(`admin@${tag}.example`, PASSWORD);
    // 5 pages of 200 (the admin is the 1,001st match: a sixth page of one).
    for (let i = 0; i < 1000; i++) await api.createUser({ email: `u${String(i).padStart(4, "0")}@${tag}.example`, role: "VIEWER" });
  });

  it("cuts the transfer short when a page fails mid-stream, and logs it with the request id and rows written", async () => {
    const log = spyLog();
    const failing = instrumented(api.unitOfWork, async (n) => {
      if (n === 3) throw new Error("connection reset by the database");
    });
    registerApp({ ...api.app, log, exportUsers: makeExportUsers({ unitOfWork: failing.unitOfWork }) });
    const response = await get(exportHandler, `/api/v1/users/export.csv?q=${tag}&sort=email`, admin);
    expect(response.status).toBe(200);
    // The body errors instead of ending: a client sees a truncated transfer, never a complete-looking file.
    await expect(response.text()).rejects.toThrow();
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ requestId: response.headers.get("x-request-id"), rowsWritten: 400, route: "GET /api/v1/users/export.csv" }),
      expect.stringContaining("mid-stream"),
    );
  });

  it("answers problem+json when the first page fails: nothing has been sent yet", async () => {
    const failing = instrumented(api.unitOfWork, async () => {
      throw new Error("database down");
    });
    registerApp({ ...api.app, log: spyLog(), exportUsers: makeExportUsers({ unitOfWork: failing.unitOfWork }) });
    const response = await get(exportHandler, `/api/v1/users/export.csv?q=${tag}`, admin);
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ code: "INTERNAL" });
  });

  it("stops reading pages when the client goes away (the request's signal), and logs no failure", async () => {
    const log = spyLog();
    const counted = instrumented(api.unitOfWork);
    registerApp({ ...api.app, log, exportUsers: makeExportUsers({ unitOfWork: counted.unitOfWork }) });
    const client = new AbortController();
    const response = await get(exportHandler, `/api/v1/users/export.csv?q=${tag}`, admin, {}, client.signal);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    await reader.read();
    client.abort();
    // Drain what was already queued; the stream then fails or ends, without reading the rest.
    await (async () => {
      for (;;) if ((await reader.read()).done) return;
    })().catch(() => undefined);
    await sleep(20);
    expect(counted.worked()).toBeLessThanOrEqual(2); // the first page, and at most the one read ahead
    expect(counted.signals.at(-1)?.aborted).toBe(true);
    expect(log.error).not.toHaveBeenCalled();
  });

  it("stops reading pages when the reader cancels the body (what Next does when the socket closes)", async () => {
    const counted = instrumented(api.unitOfWork);
    registerApp({ ...api.app, exportUsers: makeExportUsers({ unitOfWork: counted.unitOfWork }) });
    const response = await get(exportHandler, `/api/v1/users/export.csv?q=${tag}`, admin);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    await reader.read();
    await reader.cancel(new Error("socket closed"));
    await sleep(20);
    expect(counted.worked()).toBeLessThanOrEqual(2);
    expect(counted.signals.at(-1)?.aborted).toBe(true);
  });

  it("is not bounded by the request's deadline once it has started; the first page is", async () => {
    const slow = await createApiHarness({ hasher: fastTestHasher, config: { REQUEST_TIMEOUT_MS: 150 } });
    await slow.createUser({ email: `admin@${tag}.example`, role: "ADMIN", password: PASSWORD });
    const cookie = await slow.signIn(`admin@${tag}.example`, PASSWORD);
    for (let i = 0; i < 700; i++) await slow.createUser({ email: `u${i}@${tag}.example`, role: "VIEWER" });

    // 4 pages of 60 ms: 240 ms in all, past the 150 ms deadline, which only the first page has to meet.
    const paced = instrumented(slow.unitOfWork, (_, signal) => sleep(60, undefined, { signal }));
    registerApp({ ...slow.app, exportUsers: makeExportUsers({ unitOfWork: paced.unitOfWork }) });
    const started = Date.now();
    const response = await get(exportHandler, `/api/v1/users/export.csv?q=${tag}`, cookie);
    expect(response.status).toBe(200);
    expect(parseCsv(await response.text())).toHaveLength(701);
    expect(Date.now() - started).toBeGreaterThan(150);

    const stuck = instrumented(slow.unitOfWork, (_, signal) => sleep(1_000, undefined, { signal }));
    registerApp({ ...slow.app, exportUsers: makeExportUsers({ unitOfWork: stuck.unitOfWork }) });
    const late = await get(exportHandler, `/api/v1/users/export.csv?q=${tag}`, cookie);
    expect(late.status).toBe(504);
    expect(await late.json()).toMatchObject({ code: "DEADLINE_EXCEEDED" });
    expect(stuck.signals[0]?.aborted).toBe(true);
  });
});

describe("the overview's fan-out, in memory", () => {
  const admin: Principal = { kind: "token", tokenId: "t", name: "test", role: "ADMIN" };
  const context = { principal: admin, requestId: null, traceId: null };

  /** The app's unit of work, each `run` held 20 ms, counting the most units running at once. */
  function peakGauge() {
    let running = 0;
    let peak = 0;
    const unitOfWork: UnitOfWork = {
      read: (work, options) => api.unitOfWork.read(work, options),
      async run(work, options) {
        running++;
        peak = Math.max(peak, running);
        try {
          await sleep(20);
          return await api.unitOfWork.run(work, options);
        } finally {
          running--;
        }
      },
    };
    return { unitOfWork, peak: () => peak };
  }

  it.each([1, 2, 3])("runs at most %i parts at once (each in its own unit of work)", async (concurrency) => {
    const user = await api.createUser({ email: `capped-${concurrency}@example.com`, role: "VIEWER" });
    const gauge = peakGauge();
    const overview = await overviewWith(gauge.unitOfWork, { concurrency })(user.id, context);
    expect(overview.user.id).toBe(user.id);
    expect(gauge.peak()).toBe(concurrency);
  });

  it("caps at 2 by default", async () => {
    const user = await api.createUser({ email: "capped-default@example.com", role: "VIEWER" });
    const gauge = peakGauge();
    await overviewWith(gauge.unitOfWork)(user.id, context);
    expect(gauge.peak()).toBe(2);
  });

  /**
   * Units of work that do not wait for each other (the in-memory database runs one at a time), on the in-memory
   * repositories, with the sessions repository failing and the others answering only once their signal aborts.
   */
  async function failingSessions() {
    const db = createInMemoryDatabase();
    const user = await db.unitOfWork.run(({ users }) => users.create({ email: "x@example.com", name: "X", role: "VIEWER", status: "ACTIVE" }));
    const base: Repositories = await db.unitOfWork.run(async (repos) => repos);
    const signals: Record<string, AbortSignal> = {};
    const untilAbort = (part: string, signal: AbortSignal) => {
      signals[part] = signal;
      return new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
    };
    const unitOfWork: UnitOfWork = {
      read: (work, options) => db.unitOfWork.read(work, options),
      run(work, options) {
        const signal = options?.signal ?? new AbortController().signal;
        const repos: Repositories = {
          ...base,
          users: override(base.users, { getById: () => untilAbort("user", signal) }),
          audit: override(base.audit, { list: () => untilAbort("audit", signal) }),
          sessions: override(base.sessions, {
            listForUser: async () => {
              signals.sessions = signal;
              await sleep(10);
              throw new Error("relation \"sessions\" does not exist");
            },
          }),
        };
        return untilAborted(work(repos), signal);
      },
    };
    return { unitOfWork, user, signals };
  }

  it("stops the other parts through their signal when one fails, and names the failed part", async () => {
    const { unitOfWork, user, signals } = await failingSessions();
    const outcome = overviewWith(unitOfWork, { concurrency: 3 })(user.id, context);
    const error = await outcome.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(partOf(error)).toBe("sessions");
    expect(signals.user?.aborted).toBe(true);
    expect(signals.audit?.aborted).toBe(true);
    expect(signals.sessions?.aborted).toBe(true); // the fan-out's own signal, aborted on its behalf too
  });

  it("answers the failure as problem+json naming the part, a 500 without the internal message, logged", async () => {
    const { unitOfWork, user } = await failingSessions();
    const log = spyLog();
    await api.createUser({ email: "overview-admin@example.com", role: "ADMIN", password: PASSWORD });
    const cookie = await api.signIn("overview-admin@example.com", PASSWORD);
    registerApp({ ...api.app, log, getUserOverview: overviewWith(unitOfWork, { concurrency: 3 }) });
    const response = await get(overviewHandler, `/api/v1/users/${user.id}/overview`, cookie, { id: user.id });
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const body = await response.json();
    expect(body).toMatchObject({ code: "INTERNAL", part: "sessions" });
    expect(JSON.stringify(body)).not.toContain("does not exist");
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.objectContaining({ part: "sessions" }) }), "request failed");
  });

  it("past the request's deadline answers 504 naming no part: the deadline is nobody's part", async () => {
    const slow = await createApiHarness({ hasher: fastTestHasher, config: { REQUEST_TIMEOUT_MS: 50 } });
    await slow.createUser({ email: "admin@example.com", role: "ADMIN", password: PASSWORD });
    const cookie = await slow.signIn("admin@example.com", PASSWORD);
    const signals: AbortSignal[] = [];
    const hanging: UnitOfWork = {
      read: (work, options) => slow.unitOfWork.read(work, options),
      run(_work, options) {
        const signal = options?.signal ?? new AbortController().signal;
        signals.push(signal);
        return new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
      },
    };
    registerApp({ ...slow.app, getUserOverview: overviewWith(hanging) });
    const id = "0195f3c2-8a4b-7c1d-9e2f-3a4b5c6d7e8f";
    const response = await get(overviewHandler, `/api/v1/users/${id}/overview`, cookie, { id });
    expect(response.status).toBe(504);
    const body = await response.json();
    expect(body.code).toBe("DEADLINE_EXCEEDED");
    expect(body).not.toHaveProperty("part");
    expect(signals.length).toBe(2); // the cap: the third part never started
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });
});

/** `target` with some methods replaced (the rest, and the prototype's, answered by `target` itself). */
function override<T extends object>(target: T, methods: Partial<T>): T {
  return new Proxy(target, {
    get: (object, key, receiver) => (key in methods ? Reflect.get(methods, key) : Reflect.get(object, key, receiver)),
  });
}
