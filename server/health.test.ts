import { createServer, type Server } from "node:http";

import { afterEach, describe, expect, it } from "vitest";

import type { DatabaseLifecycle } from "../lib/ports/database";
import type { Logger } from "../lib/ports/logger";
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

interface LogLine {
  level: string;
  fields: object;
  message: string;
}

/** Records what the handler logs; `lines` is shared with the test. */
function recordingLogger(lines: LogLine[]): Logger {
  const write = (level: string) => (fields: object, message = "") => void lines.push({ level, fields, message });
  const logger: Logger = {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: () => logger,
  };
  return logger;
}

async function serve(options: Omit<HealthOptions, "log"> & { log?: Logger }): Promise<string> {
  const handleHealth = createHealthHandler({ log: recordingLogger([]), ...options });
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

const answering: DatabaseLifecycle = { ping: async () => undefined, close: async () => undefined };

/** A database that never answers, but gives up when the probe's deadline aborts the ping. */
const hanging: DatabaseLifecycle = {
  ping: (signal) =>
    new Promise((_resolve, reject) => {
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    }),
  close: async () => undefined,
};

describe("/ready", () => {
  it("answers 200 when the database answers and the process is not draining", async () => {
    const base = await serve({ database: answering, readyTimeoutMs: 1_000, isDraining: () => false });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ok", checks: { database: "ok" } });
  });

  it("answers 503 naming the database when it does not answer within the timeout, and logs it", async () => {
    const lines: LogLine[] = [];
    const base = await serve({ database: hanging, log: recordingLogger(lines), readyTimeoutMs: 20, isDraining: () => false });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(503);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "unavailable", checks: { database: "timed out" } });
    expect(lines).toEqual([
      expect.objectContaining({ level: "warn", message: "/ready: the database did not answer within 20 ms" }),
    ]);
  });

  it("answers 503 with a fixed reason when the ping fails, keeping the database's message for the log", async () => {
    const lines: LogLine[] = [];
    const detail = 'password authentication failed for user "app" at db.internal:5432';
    const failing: DatabaseLifecycle = {
      ping: () => Promise.reject(new Error(detail)),
      close: async () => undefined,
    };
    const base = await serve({ database: failing, log: recordingLogger(lines), readyTimeoutMs: 1_000, isDraining: () => false });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(503);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({ status: "unavailable", checks: { database: "database unreachable" } });
    expect(body).not.toContain("db.internal");
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        message: "/ready: the database ping failed",
        fields: expect.objectContaining({ err: expect.objectContaining({ message: detail }) }),
      }),
    ]);
  });

  it("answers 503 naming the shutdown while draining, even though the database answers", async () => {
    const base = await serve({ database: answering, readyTimeoutMs: 1_000, isDraining: () => true });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable", checks: { draining: "shutting down" } });
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
