import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";

import { afterEach, describe, expect, it } from "vitest";

import type { Logger } from "../lib/ports/logger";
import { createLifecycle } from "./lifecycle";

/*
 * The shutdown sequence against a real node:http server on a loopback port, in this process: the steps whose
 * outcome the whole-process test (shutdown.process.test.ts) cannot reach without holding a request for
 * longer than the timeout.
 */

interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  fields: object;
  message: string;
}

function recordingLogger(lines: LogLine[], onLine: () => void): Logger {
  const write = (level: LogLine["level"]) => (fields: object, message = "") => {
    lines.push({ level, fields, message });
    onLine();
  };
  const logger: Logger = {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: () => logger,
  };
  return logger;
}

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
    close: async () => {
      closed.push("database");
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
    expect(harness.closed).toEqual(["database"]);
    expect(harness.exits).toEqual([0]);
  });

  it("cuts the requests still in flight when the timeout passes, counts them in the log, and still exits 0", async () => {
    const harness = await startHarness({ delayMs: 0, timeoutMs: 50 });
    openServer = harness.server;
    const first = await harness.send();
    const second = await harness.send();

    await harness.lifecycle.shutdown("SIGTERM");

    await expect(first.response).rejects.toThrow();
    await expect(second.response).rejects.toThrow();
    const cut = harness.lines.find((line) => /^cut /.test(line.message));
    expect(cut).toMatchObject({ level: "warn", fields: { cut: 2 } });
    expect(harness.closed).toEqual(["database"]);
    expect(harness.exits).toEqual([0]);
  });

  it("exits 1 when closing the app fails, after logging why", async () => {
    const lines: LogLine[] = [];
    const exits: number[] = [];
    const server = createServer();
    openServer = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const lifecycle = createLifecycle({
      server,
      log: recordingLogger(lines, () => undefined),
      delayMs: 0,
      timeoutMs: 1_000,
      close: () => Promise.reject(new Error("database would not close")),
      exit: (code) => exits.push(code),
    });

    await lifecycle.shutdown("SIGINT");

    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toMatchObject({ level: "error", message: "closing the app failed" });
  });
});
