import { createServer, type Server } from "node:http";

import { afterEach, describe, expect, it } from "vitest";

import type { DatabaseLifecycle } from "../lib/ports/database";
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

async function serve(options: HealthOptions): Promise<string> {
  const handleHealth = createHealthHandler(options);
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

  it("answers 503 naming the database when it does not answer within the timeout", async () => {
    const base = await serve({ database: hanging, readyTimeoutMs: 20, isDraining: () => false });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(503);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "unavailable", checks: { database: "no answer within 20 ms" } });
  });

  it("answers 503 with the database's error when the ping fails", async () => {
    const failing: DatabaseLifecycle = {
      ping: () => Promise.reject(new Error("connection refused")),
      close: async () => undefined,
    };
    const base = await serve({ database: failing, readyTimeoutMs: 1_000, isDraining: () => false });

    const response = await fetch(`${base}/ready`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable", checks: { database: "connection refused" } });
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
