import { createServer, type Server } from "node:http";

import { afterEach, describe, expect, it } from "vitest";

import type { BreakerState, DatabaseLifecycle } from "../lib/ports/database";
import { recordingLogger, type LogLine } from "../test/support/recording-logger";
import { createHealthHandler, type HealthOptions } from "./health";

/*
 * The probes as a load balancer and the kubelet see them: over HTTP, from a node:http server that hands
 * everything else on (to Next, in the real server).
 */

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function serve(
  options: Omit<HealthOptions, "log" | "flagsInitialized"> & Partial<Pick<HealthOptions, "log" | "flagsInitialized">>,
): Promise<string> {
  const handleHealth = createHealthHandler({ log: recordingLogger([]), flagsInitialized: () => true, ...options });
  server = createServer((request, response) => {
    void handleHealth(request, response).then((handled) => {
      if (!handled) response.writeHead(404).end("passed on");
    });
  });
  const listening = server;
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  const address = listening.address();
  if (address === null || typeof address === "string") throw new Error("the server is not listening on TCP");
  return `http://127.0.0.1:${address.port}`;
}

function database(overrides: Partial<DatabaseLifecycle> = {}): DatabaseLifecycle {
  return {
    ping: async () => undefined,
    pendingMigrations: async () => [],
    connections: () => null,
    close: async () => undefined,
    ...overrides,
  };
}
const answering = database();

/** Never settles, but gives up when the probe's deadline aborts it. */
const never = <T>(signal?: AbortSignal) =>
  new Promise<T>((_resolve, reject) => {
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
/** A database that never answers. */
const hanging = database({ ping: never, pendingMigrations: never });

describe("/ready", () => {
  it("answers 200 when the database answers and the process is not draining", async () => {
    const base = await serve({ database: answering, readyTimeoutMs: 1_000, isDraining: () => false });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ok", checks: { database: "ok", migrations: "ok", flags: "ok", databaseBreaker: "ok" } });
  });

  it("answers 503 naming the database's circuit breaker while it is open or probing, even once the ping gets through", async () => {
    let state: BreakerState = "open";
    const breaker = { name: "database", state: () => state, retryAfterSeconds: () => 3 };
    const base = await serve({ database: answering, readyTimeoutMs: 1_000, isDraining: () => false, breaker, readyCacheMs: 0 });

    const open = await fetch(`${base}/ready`);
    expect(open.status).toBe(503);
    expect(await open.json()).toMatchObject({ status: "unavailable", checks: { database: "ok", databaseBreaker: "open" } });
    state = "half-open";
    expect(await (await fetch(`${base}/ready`)).json()).toMatchObject({ checks: { databaseBreaker: "half-open" } });
    state = "closed";
    const closed = await fetch(`${base}/ready`);
    expect(closed.status).toBe(200);
    expect(await closed.json()).toMatchObject({ checks: { databaseBreaker: "ok" } });
  });

  it("answers 503 naming each check that did not finish within its timeout, and logs them", async () => {
    const lines: LogLine[] = [];
    const base = await serve({ database: hanging, log: recordingLogger(lines), readyTimeoutMs: 20, isDraining: () => false });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(503);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "unavailable", checks: { database: "timed out", migrations: "timed out", flags: "ok", databaseBreaker: "ok" } });
    expect(lines).toEqual([
      expect.objectContaining({ level: "warn", message: "/ready: the database check did not finish within 20 ms" }),
      expect.objectContaining({ level: "warn", message: "/ready: the migrations check did not finish within 20 ms" }),
    ]);
  });

  it("answers 503 with a fixed reason when the ping fails, keeping the database's message for the log", async () => {
    const lines: LogLine[] = [];
    const detail = 'password authentication failed for user "app" at db.internal:5432';
    const failing = database({ ping: () => Promise.reject(new Error(detail)) });
    const base = await serve({ database: failing, log: recordingLogger(lines), readyTimeoutMs: 1_000, isDraining: () => false });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(503);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({ status: "unavailable", checks: { database: "database unreachable", migrations: "ok", flags: "ok", databaseBreaker: "ok" } });
    expect(body).not.toContain("db.internal");
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        message: "/ready: the database ping failed",
        fields: expect.objectContaining({ err: expect.objectContaining({ message: detail }) }),
      }),
    ]);
  });

  it("answers 503 when this build's migrations are not all applied, naming how many, and logs which", async () => {
    const lines: LogLine[] = [];
    const behind = database({ pendingMigrations: async () => ["20300101000000_a", "20300102000000_b"] });
    const base = await serve({ database: behind, log: recordingLogger(lines), readyTimeoutMs: 1_000, isDraining: () => false });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable", checks: { database: "ok", migrations: "2 pending", flags: "ok", databaseBreaker: "ok" } });
    expect(lines).toEqual([
      expect.objectContaining({
        message: "/ready: 2 migration(s) of this build are not applied",
        fields: { pending: ["20300101000000_a", "20300102000000_b"] },
      }),
    ]);
  });

  it("answers 503 while the feature flag SDK has not got its flags", async () => {
    let initialized = false;
    const base = await serve({
      database: answering,
      readyTimeoutMs: 1_000,
      readyCacheMs: 0,
      isDraining: () => false,
      flagsInitialized: () => initialized,
    });

    const waiting = await fetch(`${base}/ready`);
    expect(waiting.status).toBe(503);
    expect(await waiting.json()).toEqual({ status: "unavailable", checks: { database: "ok", migrations: "ok", flags: "not initialised", databaseBreaker: "ok" } });
    initialized = true;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it("reuses a result for readyCacheMs, so a burst of probes costs one round of checks, and reports each outcome", async () => {
    let pings = 0;
    let up = true;
    const counted = database({
      ping: async () => {
        pings++;
        if (!up) throw new Error("down");
      },
    });
    const outcomes: boolean[] = [];
    const base = await serve({
      database: counted,
      readyTimeoutMs: 1_000,
      // Long enough that a burst sent at once lands within it on a loaded machine (200 ms did not, under a load
      // average of 10), short enough to wait out below.
      readyCacheMs: 1_000,
      isDraining: () => false,
      onReadiness: (ready) => outcomes.push(ready),
    });

    const burst = await Promise.all(Array.from({ length: 10 }, () => fetch(`${base}/ready`)));
    expect(burst.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(pings).toBe(1);

    up = false;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past readyCacheMs: the cached result has expired
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    expect(pings).toBe(2);
    expect(outcomes).toEqual([...Array(10).fill(true), false]);
  });

  it("answers 503 naming the shutdown while draining, even though the database answers", async () => {
    const base = await serve({ database: answering, readyTimeoutMs: 1_000, isDraining: () => true });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable", checks: { draining: "shutting down" } });
  });
});

describe("/ready with READY_REQUIRES_TRACE_EXPORT (issue 17)", () => {
  const GRACE_MS = 60_000;
  const NOW = 1_800_000_000_000;

  /** A watch that has been failing since `failingFor` ms before NOW (null: not failing), counting probes. */
  function watchFailingFor(failingFor: number | null) {
    const watch = { failingSince: failingFor === null ? null : NOW - failingFor, probes: 0 };
    return {
      watch,
      port: { failingSince: () => watch.failingSince, probe: () => void watch.probes++ },
    };
  }

  it.each([
    ["never failed", null, 200, "ok", 0],
    ["failing for less than the grace", 30_000, 200, "ok", 1],
    ["failing for exactly the grace", GRACE_MS, 200, "ok", 1],
    ["failing for longer than the grace", 61_000, 503, "failing for 61 s", 1],
  ] as const)("export %s: %i, traceExport %s, %i probe(s)", async (_case, failingFor, status, check, probes) => {
    const lines: LogLine[] = [];
    const { watch, port } = watchFailingFor(failingFor);
    const base = await serve({
      database: answering,
      log: recordingLogger(lines),
      readyTimeoutMs: 1_000,
      isDraining: () => false,
      traceExport: { watch: () => port, graceMs: GRACE_MS },
      now: () => NOW,
    });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({
      status: status === 200 ? "ok" : "unavailable",
      checks: { database: "ok", migrations: "ok", flags: "ok", databaseBreaker: "ok", traceExport: check },
    });
    // While failing, each round asks the backend again: a replica out of rotation exports nothing by itself.
    expect(watch.probes).toBe(probes);
    expect(lines).toEqual(
      status === 200 ? [] : [expect.objectContaining({ level: "warn", message: "/ready: exporting spans has failed for 61 s" })],
    );
  });

  it("comes back once an export (a probe, say) succeeds", async () => {
    const { watch, port } = watchFailingFor(120_000);
    const base = await serve({
      database: answering,
      readyTimeoutMs: 1_000,
      readyCacheMs: 0,
      isDraining: () => false,
      traceExport: { watch: () => port, graceMs: GRACE_MS },
      now: () => NOW,
    });

    expect((await fetch(`${base}/ready`)).status).toBe(503);
    watch.failingSince = null;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it("passes while tracing is off or its exporter is not watched", async () => {
    const base = await serve({
      database: answering,
      readyTimeoutMs: 1_000,
      isDraining: () => false,
      traceExport: { watch: () => undefined, graceMs: 0 },
    });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", checks: { database: "ok", migrations: "ok", flags: "ok", databaseBreaker: "ok", traceExport: "ok" } });
  });

  it("is not a check at all when the setting is off, however long export has failed", async () => {
    // Off (the default), the server passes no traceExport (server/main.ts): a trace backend outage must not take
    // replicas out of rotation.
    const base = await serve({ database: answering, readyTimeoutMs: 1_000, isDraining: () => false, now: () => NOW });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", checks: { database: "ok", migrations: "ok", flags: "ok", databaseBreaker: "ok" } });
  });
});

describe("/live", () => {
  it("answers 200 while the event loop keeps up, and 503 after it was blocked beyond the limit", async () => {
    const base = await serve({ database: hanging, readyTimeoutMs: 1_000, isDraining: () => false, maxEventLoopDelayMs: 100 });
    const live = await fetch(`${base}/live`);
    expect(live.status).toBe(200);
    expect(live.headers.get("cache-control")).toBe("no-store");
    // Liveness does not depend on the database (a hanging one must not get the process restarted).
    expect(await live.json()).toEqual({ status: "ok", checks: { eventLoop: "ok" } });

    // The histogram measures from its first tick (every 20 ms) on; libuv runs timers in the order they fall
    // due, so once this later 50 ms timer has fired, that tick has happened.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // a synchronous loop: the event loop is blocked for 300 ms
    }

    await expect.poll(async () => (await fetch(`${base}/live`)).status).toBe(503);
    const blocked = await fetch(`${base}/live`);
    expect(await blocked.json()).toMatchObject({ status: "unavailable", checks: { eventLoop: expect.stringMatching(/^blocked for \d+ ms$/) } });
  });

  it("leaves every other path to the next handler", async () => {
    const base = await serve({ database: answering, readyTimeoutMs: 1_000, isDraining: () => false });

    expect((await fetch(`${base}/users`)).status).toBe(404);
    expect((await fetch(`${base}/readyz`)).status).toBe(404);
  });
});
