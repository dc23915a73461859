/**
 * Tracing on the built server (issue 8, items 2 and 7): spans exported over OTLP/HTTP reach a receiver this test
 * runs on loopback (test/support/otlp-receiver.ts) with the expected names, parent-child links and attributes;
 * a caller's W3C traceparent is continued; a request's trace id is the same in its exported spans, its log line
 * and its problem+json body; spans still buffered at SIGTERM are flushed; OTEL_SDK_DISABLED=true sends nothing.
 */
import { randomBytes, randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../test/support/postgres";
import { ensureBuild, freePort, startServer, type RunningServer } from "../test/support/built-server";
import { BOOTSTRAP_PASSWORD, firstSignIn, signIn, TEST_PASSWORD } from "../test/support/http-accounts";
import { SPAN_KIND, STATUS_CODE, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../test/support/otlp-receiver";

let database: TestDatabase;
let receiver: OtlpReceiver;
let server: RunningServer;
let cookie: string;

/** The server's environment for one exporting to `receiver`, every trace sampled, batches sent every 100 ms. */
function tracingEnv(otlp: OtlpReceiver, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD,
    SHUTDOWN_DELAY_MS: "0",
    OTEL_SDK_DISABLED: "false", // startServer switches tracing off by default
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_TRACES_SAMPLER: "always_on",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    ...overrides,
  };
}

beforeAll(async () => {
  await ensureBuild();
  database = await createTestDatabase("tracing");
  receiver = await startOtlpReceiver();
  server = startServer({ port: await freePort(), env: tracingEnv(receiver) });
  await server.waitUntilReady();
  cookie = await firstSignIn(server.baseUrl);
});
afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  await receiver?.close();
  await database?.drop();
});

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** The server's JSON log lines. */
function logLines(running: RunningServer): Record<string, unknown>[] {
  return running
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
}

/** Waits until the receiver holds spans of `traceId` named `names` (each at least once); returns that trace. */
async function traceWith(otlp: OtlpReceiver, traceId: string, names: string[]): Promise<ReceivedSpan[]> {
  const ofTrace = () => otlp.spans().filter((span) => span.traceId === traceId);
  await expect
    .poll(() => names.filter((name) => !ofTrace().some((span) => span.name === name)), { timeout: 15_000, interval: 100 })
    .toEqual([]);
  return ofTrace();
}

/** The one span of ours (not Next's: its request span takes the same `METHOD /route` name) called `name`. */
function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name && span.scope === "user-console");
  expect(found.map((span) => span.name), `one span named ${name}`).toEqual([name]);
  return found[0] as ReceivedSpan;
}

/** The chain of span names from `span` up to the root of its trace, in this process. */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): string[] {
  const chain: string[] = [];
  for (let at: ReceivedSpan | undefined = span; at; at = spans.find((candidate) => candidate.spanId === at?.parentSpanId)) {
    chain.push(at.name);
  }
  return chain;
}

describe("spans exported over OTLP/HTTP", () => {
  it("continue the caller's trace: server span, use case, repository call, with their attributes", async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const requestId = `tracing-${randomUUID()}`;
    const search = `needle-${hex(6)}`;
    const response = await fetch(`${server.baseUrl}/api/v1/users?limit=5&q=${search}`, {
      headers: { cookie, traceparent: `00-${traceId}-${callerSpanId}-01`, "x-request-id": requestId },
    });
    expect(response.status).toBe(200);
    await response.text();

    const spans = await traceWith(receiver, traceId, ["GET /api/v1/users", "use_case authenticate", "use_case listUsers", "users.list"]);

    // Our server's span: a child of the caller's, by route template, with HTTP semantic attributes.
    const request = only(spans, "GET /api/v1/users");
    expect(request).toMatchObject({
      parentSpanId: callerSpanId,
      kind: SPAN_KIND.server,
      scope: "user-console",
      statusCode: STATUS_CODE.unset,
      attributes: {
        "http.request.method": "GET",
        "http.route": "/api/v1/users",
        "url.path": "/api/v1/users",
        "http.response.status_code": 200,
      },
      resource: expect.objectContaining({ "service.name": "user-console" }),
    });
    // The API no longer goes through Next (decision 010): none of Next's spans, ours straight under the request.
    expect(spans.filter((span) => span.scope === "next.js")).toEqual([]);

    // Use case → unit of work → repository call, all under the server span.
    const useCase = only(spans, "use_case listUsers");
    const repository = only(spans, "users.list");
    // A read runs on the query side, outside a transaction: no unit_of_work span between (decision 011).
    expect(ancestry(spans, repository).slice(0, 3)).toEqual(["users.list", "use_case listUsers", "GET /api/v1/users"]);
    expect(ancestry(spans, useCase)).toContain("GET /api/v1/users");
    expect(ancestry(spans, only(spans, "use_case authenticate"))).toContain("GET /api/v1/users");
    expect(repository).toMatchObject({
      kind: SPAN_KIND.client,
      statusCode: STATUS_CODE.unset,
      attributes: { "db.system.name": "postgresql", "db.operation.name": "users.list" },
    });
    expect(Object.keys(repository.attributes).sort()).toEqual(["db.operation.name", "db.system.name"]);

    // No parameter values in our spans (the search term the caller sent), and no credentials anywhere.
    const ours = spans.filter((span) => span.scope === "user-console");
    for (const span of ours) expect(span.raw, span.name).not.toContain(search);
    const sessionSecret = cookie.split("=")[1] ?? "";
    expect(sessionSecret.length).toBeGreaterThan(10);
    for (const span of spans) expect(span.raw, span.name).not.toContain(sessionSecret);

    // The request's log line carries the trace id it was continued under, and the server span's id.
    const line = logLines(server).find((entry) => entry.msg === "request" && entry.requestId === requestId);
    expect(line).toMatchObject({ traceId, spanId: request.spanId, route: "/api/v1/users", status: 200 });
  });

  it("give an error's problem+json body, its log line and its spans one trace id", async () => {
    const id = randomUUID();
    const requestId = `tracing-${randomUUID()}`;
    const response = await fetch(`${server.baseUrl}/api/v1/users/${id}`, { headers: { cookie, "x-request-id": requestId } });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = await response.json();
    expect(problem).toMatchObject({ code: "USER_NOT_FOUND", requestId, traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });

    const spans = await traceWith(receiver, problem.traceId, ["GET /api/v1/users/[id]", "use_case getUser", "users.getById"]);
    const request = only(spans, "GET /api/v1/users/[id]");
    // A 404 is the caller's failure, not the server's: the server span's status stays unset.
    expect(request).toMatchObject({
      parentSpanId: "",
      statusCode: STATUS_CODE.unset,
      attributes: expect.objectContaining({ "http.route": "/api/v1/users/[id]", "http.response.status_code": 404 }),
    });
    expect(only(spans, "use_case getUser")).toMatchObject({
      statusCode: STATUS_CODE.error,
      attributes: { "error.type": "USER_NOT_FOUND" },
    });
    // The id the caller asked for is in url.path only (the request's own address), never in a use case or
    // repository span, even though the error's message quotes it.
    for (const span of spans.filter((candidate) => candidate.scope === "user-console" && candidate !== request)) {
      expect(span.raw, span.name).not.toContain(id);
    }

    const line = logLines(server).find((entry) => entry.msg === "request" && entry.requestId === requestId);
    expect(line).toMatchObject({ traceId: problem.traceId, spanId: request.spanId, status: 404 });
  });

  it("leave probes and scrapes out, and the SDK had nothing to complain about", async () => {
    expect((await fetch(`${server.baseUrl}/ready`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/live`)).status).toBe(200);
    // Wait for a batch that would have carried them: another request's span arrives after them.
    const traceId = hex(16);
    await fetch(`${server.baseUrl}/api/v1/session`, { headers: { cookie, traceparent: `00-${traceId}-${hex(8)}-01` } }).then((r) => r.text());
    await traceWith(receiver, traceId, ["GET /api/v1/session"]);
    expect(receiver.spans().filter((span) => ["/ready", "/live", "/metrics"].includes(String(span.attributes["http.route"])))).toEqual([]);
    expect(receiver.requests().refused).toBe(0);
    expect(server.output()).not.toMatch(/OpenTelemetry/);
  });
});

describe("the SDK's lifecycle", () => {
  it("flushes the spans still buffered when the server is stopped", async () => {
    // A batch delay longer than the test: the only way these spans can arrive is the flush at shutdown.
    const otlp = await startOtlpReceiver();
    const running = startServer({ port: await freePort(), env: tracingEnv(otlp, { OTEL_BSP_SCHEDULE_DELAY: "600000" }) });
    try {
      await running.waitUntilReady();
      const traceId = hex(16);
      const response = await fetch(`${running.baseUrl}/api/v1/users`, { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
      expect(response.status).toBe(401);
      await response.text();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(otlp.spans().filter((span) => span.traceId === traceId)).toEqual([]);

      running.child.kill("SIGTERM");
      expect(await running.exited).toBe(0);
      const names = otlp.spans().filter((span) => span.traceId === traceId).map((span) => span.name);
      expect(names).toEqual(expect.arrayContaining(["GET /api/v1/users", "use_case authenticate"]));
    } finally {
      running.child.kill("SIGKILL");
      await otlp.close();
    }
  });

  it("with OTEL_SDK_DISABLED=true exports nothing, while requests, problem bodies and log lines work as before", async () => {
    const otlp = await startOtlpReceiver();
    const running = startServer({ port: await freePort(), env: tracingEnv(otlp, { OTEL_SDK_DISABLED: "true" }) });
    try {
      await running.waitUntilReady();
      const own = await signIn(running.baseUrl, "admin@example.com", TEST_PASSWORD);
      const list = await fetch(`${running.baseUrl}/api/v1/users?limit=5`, { headers: { cookie: own } });
      expect(list.status).toBe(200);
      await list.text();
      // Without a span, the trace id the caller sent is still the one in the problem body and the log line.
      const traceId = hex(16);
      const requestId = `untraced-${randomUUID()}`;
      const missing = await fetch(`${running.baseUrl}/api/v1/users/${randomUUID()}`, {
        headers: { cookie: own, traceparent: `00-${traceId}-${hex(8)}-01`, "x-request-id": requestId },
      });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: "USER_NOT_FOUND", traceId });
      await expect
        .poll(() => logLines(running).find((entry) => entry.msg === "request" && entry.requestId === requestId))
        .toMatchObject({ traceId, status: 404 });

      // Many batch delays (100 ms) and a shutdown later, nothing has been sent.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      running.child.kill("SIGTERM");
      expect(await running.exited).toBe(0);
      expect(otlp.requests()).toEqual({ accepted: 0, refused: 0 });
      expect(running.output()).not.toMatch(/OpenTelemetry/);
    } finally {
      running.child.kill("SIGKILL");
      await otlp.close();
    }
  });
});
