/**
 * The seed's ReadinessGate (issue 17): with READY_REQUIRES_TRACE_EXPORT=true, the built server's /ready fails,
 * naming the `traceExport` check, once exporting spans to an OTLP endpoint where nothing listens has failed for
 * longer than READY_TRACE_EXPORT_GRACE_MS, and passes again once a receiver listens there, with no traffic to
 * make spans (its probe finds out). With the setting off (the default), the same failing export leaves /ready at 200.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ensureBuild, freePort, startServer, type RunningServer } from "../test/support/built-server";
import { BOOTSTRAP_PASSWORD } from "../test/support/http-accounts";
import { startOtlpReceiver, type OtlpReceiver } from "../test/support/otlp-receiver";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres";

const GRACE_MS = 1_000;
/** OTLP's SpanKind for the span of a request served (SPAN_KIND_SERVER). */
const SPAN_KIND_SERVER = 2;

let database: TestDatabase;
let collectorPort: number;
const servers: RunningServer[] = [];
let receiver: OtlpReceiver | undefined;

beforeAll(async () => {
  await ensureBuild();
  database = await createTestDatabase("ready_trace_export");
  // Nothing listens here until the last test opens a receiver on it.
  collectorPort = await freePort();
});
afterAll(async () => {
  for (const server of servers) server.child.kill("SIGTERM");
  await Promise.all(servers.map((server) => server.exited));
  await receiver?.close();
  await database?.drop();
});

async function start(requireTraceExport: boolean): Promise<{ server: RunningServer; base: string }> {
  const server = startServer({
    port: await freePort(),
    env: {
      DATABASE_URL: database.url,
      BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD,
      SHUTDOWN_DELAY_MS: "0",
      READY_REQUIRES_TRACE_EXPORT: String(requireTraceExport),
      READY_TRACE_EXPORT_GRACE_MS: String(GRACE_MS),
      OTEL_SDK_DISABLED: "false", // startServer switches tracing off by default
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_TRACES_SAMPLER: "always_on",
      OTEL_BSP_SCHEDULE_DELAY: "100",
      // A refused export is retried with backoff within this; 500 ms lets it give up at once rather than in ~8 s.
      OTEL_EXPORTER_OTLP_TIMEOUT: "500",
    },
  });
  servers.push(server);
  await server.waitForOutput(/listening on/);
  return { server, base: server.baseUrl };
}

const readiness = async (base: string) => {
  const response = await fetch(`${base}/ready`);
  return { status: response.status, body: await response.json() };
};

/** Epoch ms of the server's first export failure as its log reports it (OpenTelemetry's warnings). */
function firstExportFailure(server: RunningServer): number | undefined {
  for (const line of server.output().split("\n")) {
    if (!line.includes('"component":"opentelemetry"')) continue;
    const { time } = JSON.parse(line);
    return time;
  }
  return undefined;
}

describe("/ready and a trace backend that is down", () => {
  let on: { server: RunningServer; base: string };
  let off: { server: RunningServer; base: string };

  beforeAll(async () => {
    [on, off] = await Promise.all([start(true), start(false)]);
  });

  it("with READY_REQUIRES_TRACE_EXPORT=true, fails naming traceExport once export has failed past the grace", async () => {
    // Not asserted here: that a new replica is ready before any export has been tried (trace-export-watch.test.ts
    // "reports nothing while no export has finished"). The server's own start-up work (the users gauge, the
    // clean-up) makes spans at once, so on a loaded machine their export has failed past the grace before a first
    // /ready could see 200, and waiting for one failed the stage.

    // Each request makes a span (always_on), batched and sent within 100 ms, to a port nobody listens on.
    await expect
      .poll(
        async () => {
          await fetch(`${on.base}/api/v1/users`);
          return readiness(on.base);
        },
        { timeout: 30_000, interval: 200 },
      )
      .toMatchObject({ status: 503, body: { status: "unavailable", checks: { traceExport: expect.stringMatching(/^failing for \d+ s$/) } } });
    const { body } = await readiness(on.base);
    expect(body.checks).toMatchObject({ database: "ok", migrations: "ok", flags: "ok" });
    expect(on.server.output()).toMatch(/\/ready: exporting spans has failed for \d+ s/);
  });

  it("with the setting off, the same failing export leaves /ready at 200", async () => {
    await expect.poll(async () => {
      await fetch(`${off.base}/api/v1/users`);
      return firstExportFailure(off.server);
    }, { timeout: 30_000, interval: 200 }).toBeDefined();
    // The condition under test is time: failing for longer than the grace that failed the other server.
    const failedAt = firstExportFailure(off.server) ?? 0;
    await expect.poll(() => Date.now() - failedAt, { timeout: 10_000, interval: 100 }).toBeGreaterThan(2 * GRACE_MS);

    const { status, body } = await readiness(off.base);
    expect(status).toBe(200);
    expect(body.checks).toMatchObject({ database: "ok", migrations: "ok", flags: "ok" });
    expect(body.checks).not.toHaveProperty("traceExport");
  });

  it("comes back once the backend does, though out of rotation it serves no request to make spans: its probe finds out", async () => {
    expect((await readiness(on.base)).status).toBe(503);

    receiver = await startOtlpReceiver(collectorPort);

    // Only /ready is called from here on, which is not traced: the export that succeeds is the check's probe.
    await expect.poll(async () => (await readiness(on.base)).status, { timeout: 15_000, interval: 200 }).toBe(200);
    expect(receiver.requests().accepted).toBeGreaterThan(0);
    // No request was served out of rotation. The first test's last requests (GET /api/v1/users) may still arrive:
    // the exporter retries a failed batch with backoff, and the receiver may come up within it. The server's
    // periodic work (the users gauge every 30 s, the clean-up) makes spans of its own, and is not a request.
    const earlier = new Set(receiver.spans().filter((span) => span.name === "GET /api/v1/users").map((span) => span.traceId));
    const served = receiver.spans().filter((span) => span.kind === SPAN_KIND_SERVER && !earlier.has(span.traceId));
    expect(served).toEqual([]);
  });
});
