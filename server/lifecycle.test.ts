import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";

import { afterEach, describe, expect, it } from "vitest";

import { recordingLogger, type LogLine } from "../test/support/recording-logger";
import { createLifecycle } from "./lifecycle";

/*
 * The shutdown sequence against a real node:http server on a loopback port, in this process: the steps whose
 * outcome the whole-process test (shutdown.process.test.ts) cannot reach without holding a request for
 * longer than the timeout.
 */

/** A server whose handler holds every request until the test releases it; the lifecycle tracks each one. */
async function startHarness(options: { delayMs: number; timeoutMs: number }) {
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const log = recordingLogger(lines, () => waiters.forEach((check) => check()));
  const exits: number[] = [];
  const closed: string[] = [];
  const held: (() => void)[] = [];
  const server: Server = createServer();
  const lifecycle = createLifecycle({
    server,
    log,
    ...options,
    startup: async () => undefined,
    closeDatabase: async () => {
      closed.push("database");
    },
    databaseCloseTimeoutMs: 1_000,
    closeNext: async () => {
      closed.push("next");
    },
    exit: (code) => exits.push(code),
  });
  const arrived = new Set<() => void>();
  server.on("request", (req, res) => {
    lifecycle.track(req, res);
    held.push(() => res.writeHead(200, { "content-type": "text/plain" }).end("done"));
    arrived.forEach((notify) => notify());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the server is not listening on TCP");
  const { port } = address;

  return {
    lifecycle,
    lines,
    exits,
    closed,
    server,
    /** Sends a GET on a keep-alive connection; resolves once the server's handler holds it. */
    async send(): Promise<{ response: Promise<{ status: number; headers: IncomingHttpHeaders }> }> {
      const count = held.length;
      const inHandler = new Promise<void>((resolve) => {
        const notify = () => {
          if (held.length > count) {
            arrived.delete(notify);
            resolve();
          }
        };
        arrived.add(notify);
      });
      const response = new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
        const req = request({ port, host: "127.0.0.1", path: "/", headers: { connection: "keep-alive" } }, (res: IncomingMessage) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        });
        req.on("error", reject);
        req.end();
      });
      await inHandler;
      return { response };
    },
    releaseAll: () => held.splice(0).forEach((release) => release()),
    waitForLog(pattern: RegExp): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (lines.some((line) => pattern.test(line.message))) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

let openServer: Server | undefined;
afterEach(() => {
  openServer?.closeAllConnections();
  openServer?.close();
  openServer = undefined;
});

describe("the shutdown sequence", () => {
  it("fails readiness from the first moment, lets the request in flight finish with `connection: close`, then closes the database and exits 0", async () => {
    const harness = await startHarness({ delayMs: 0, timeoutMs: 60_000 });
    openServer = harness.server;
    const { response } = await harness.send();

    const shutdown = harness.lifecycle.shutdown("SIGTERM");
    expect(harness.lifecycle.draining).toBe(true);
    await harness.waitForLog(/waiting up to 60000 ms for 1 in-flight request/);
    expect(harness.closed).toEqual([]);

    harness.releaseAll();
    const { status, headers } = await response;
    await shutdown;

    expect(status).toBe(200);
    // The client must not reuse this connection: the listener is gone.
    expect(headers.connection).toBe("close");
    expect(harness.lines.some((line) => /^cut /.test(line.message))).toBe(false);
    expect(harness.closed).toEqual(["database", "next"]);
    expect(harness.exits).toEqual([0]);
  });

  it("cuts the requests still in flight when the timeout passes, counts them in the log, and still exits 0", async () => {
    const harness = await startHarness({ delayMs: 0, timeoutMs: 50 });
    openServer = harness.server;
    const first = await harness.send();
    const second = await harness.send();

    // Watched from now on: the cut rejects them during shutdown, and a rejection nobody awaits yet is reported
    // as unhandled (the run's "socket hang up" errors).
    const firstCut = expect(first.response).rejects.toThrow();
    const secondCut = expect(second.response).rejects.toThrow();
    await harness.lifecycle.shutdown("SIGTERM");

    await firstCut;
    await secondCut;
    const cut = harness.lines.find((line) => /^cut /.test(line.message));
    expect(cut).toMatchObject({ level: "warn", fields: { cut: 2 } });
    expect(harness.closed).toEqual(["database", "next"]);
    expect(harness.exits).toEqual([0]);
  });

  it("exits 1 when closing the database fails, after logging why, and still closes Next", async () => {
    const { lifecycle, lines, exits, closed } = await closingHarness({
      closeDatabase: () => Promise.reject(new Error("database would not close")),
    });

    await lifecycle.shutdown("SIGINT");

    expect(closed).toEqual(["next", "tracing"]);
    expect(exits).toEqual([1]);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "error", message: "closing the database failed" }),
    );
  });

  it("gives up on a database that does not close within its timeout, logs it, closes Next and exits 1", async () => {
    const { lifecycle, lines, exits, closed } = await closingHarness({
      closeDatabase: () => new Promise<void>(() => undefined), // never settles
      databaseCloseTimeoutMs: 50,
    });

    const started = Date.now();
    await lifecycle.shutdown("SIGTERM");

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(closed).toEqual(["next", "tracing"]);
    expect(exits).toEqual([1]);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "error", message: "the database did not close within 50 ms; exiting without it" }),
    );
  });

  it("exits 1 when closing Next fails, after the database closed", async () => {
    const { lifecycle, lines, exits, closed } = await closingHarness({
      closeNext: () => Promise.reject(new Error("next would not close")),
    });

    await lifecycle.shutdown("SIGTERM");

    expect(closed).toEqual(["database", "tracing"]);
    expect(exits).toEqual([1]);
    expect(lines).toContainEqual(expect.objectContaining({ level: "error", message: "closing Next failed" }));
  });

  it("flushes the buffered spans last, after Next, so the last requests' spans get out", async () => {
    const { lifecycle, exits, closed } = await closingHarness({});
    await lifecycle.shutdown("SIGTERM");
    expect(closed).toEqual(["database", "next", "tracing"]);
    expect(exits).toEqual([0]);
  });

  it("does not let tracing change the exit code: a flush that fails or hangs is a warning, bounded by its timeout", async () => {
    const failing = await closingHarness({ closeTracing: () => Promise.reject(new Error("collector refused")) });
    await failing.lifecycle.shutdown("SIGTERM");
    expect(failing.exits).toEqual([0]);
    expect(failing.lines).toContainEqual(expect.objectContaining({ level: "warn", message: "flushing the last spans failed" }));

    const hanging = await closingHarness({ closeTracing: () => new Promise<void>(() => undefined), tracingCloseTimeoutMs: 50 });
    const started = Date.now();
    await hanging.lifecycle.shutdown("SIGTERM");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(hanging.exits).toEqual([0]);
    expect(hanging.lines).toContainEqual(
      expect.objectContaining({ level: "warn", message: "tracing did not flush its spans within 50 ms; exiting without them" }),
    );
  });

  it("on a signal before the server listens, skips the delay, waits for start-up however long, closes the database, exits 0", async () => {
    const lines: LogLine[] = [];
    const exits: number[] = [];
    const closed: string[] = [];
    let opened: () => void = () => undefined;
    const opening = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const lifecycle = createLifecycle({
      server: createServer(), // never listens: start-up is still opening the database
      log: recordingLogger(lines, () => undefined),
      delayMs: 60_000, // would outlast the test if it were waited for
      timeoutMs: 60_000,
      startup: () => opening,
      closeDatabase: async () => {
        closed.push("database");
      },
      databaseCloseTimeoutMs: 10, // bounds the close only, not the wait for start-up (50 ms below)
      closeNext: async () => {
        closed.push("next");
      },
      exit: (code) => exits.push(code),
    });

    const shutdown = lifecycle.shutdown("SIGTERM");
    expect(lifecycle.draining).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toEqual([]); // the database is not open yet, so it is not closed yet
    opened();
    await shutdown;

    expect(closed).toEqual(["database", "next"]);
    expect(exits).toEqual([0]);
    expect(lines.some((line) => /serving \d+ ms more|listener closed/.test(line.message))).toBe(false);
    expect(lines).toContainEqual(expect.objectContaining({ message: "SIGTERM during start-up: stopping" }));
  });
});

/** A listening server with nothing in flight, whose close steps record what closed. */
async function closingHarness(overrides: {
  closeDatabase?: () => Promise<void>;
  closeNext?: () => Promise<void>;
  databaseCloseTimeoutMs?: number;
  closeTracing?: () => Promise<void>;
  tracingCloseTimeoutMs?: number;
}) {
  const lines: LogLine[] = [];
  const exits: number[] = [];
  const closed: string[] = [];
  const server = createServer();
  openServer = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const lifecycle = createLifecycle({
    server,
    log: recordingLogger(lines, () => undefined),
    delayMs: 0,
    timeoutMs: 1_000,
    startup: async () => undefined,
    databaseCloseTimeoutMs: overrides.databaseCloseTimeoutMs ?? 1_000,
    closeDatabase: async () => {
      await (overrides.closeDatabase ?? (async () => undefined))();
      closed.push("database");
    },
    closeNext: async () => {
      await (overrides.closeNext ?? (async () => undefined))();
      closed.push("next");
    },
    closeTracing: async () => {
      await (overrides.closeTracing ?? (async () => undefined))();
      closed.push("tracing");
    },
    tracingCloseTimeoutMs: overrides.tracingCloseTimeoutMs ?? 1_000,
    exit: (code) => exits.push(code),
  });
  return { lifecycle, lines, exits, closed };
}
