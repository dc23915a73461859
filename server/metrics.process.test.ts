/**
 * GET /metrics on the built server (issue 8): Prometheus text with the request histogram by route template,
 * database and pool metrics, readiness and users by status; a bearer token when METRICS_TOKEN is set, and no
 * /metrics at all beyond loopback without one (issue 18, item 11); series that
 * do not grow with the ids callers send; a real Prometheus (Debian's `prometheus`) scraping it. And /ready's
 * migrations check against a real history table.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";
import pLimit from "p-limit";
import { beforeAll, describe, expect, it } from "vitest";

import { freePort, startServer, type RunningServer } from "../test/support/built-server";
import { firstSignIn } from "../test/support/http-accounts";
import { serversOnTestDatabase } from "../test/support/servers-on-test-database";

const TOKEN = "metrics-token-for-tests-0123456789";
const testbed = serversOnTestDatabase("metrics");
let server: RunningServer;
let cookie: string;

beforeAll(async () => {
  server = await testbed.start({ METRICS_TOKEN: TOKEN });
  cookie = await firstSignIn(server.baseUrl);
});

async function scrape(): Promise<string> {
  const response = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The series (one line each, without their values) of a metric. */
function series(text: string, name: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => line.slice(0, line.lastIndexOf(" ")));
}

describe("GET /metrics", () => {
  it("refuses a scrape without the token when METRICS_TOKEN is set", async () => {
    const none = await fetch(`${server.baseUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
    const wrong = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
  });

  it("times requests by route template, method and status", async () => {
    const id = randomUUID();
    const one = await fetch(`${server.baseUrl}/api/v1/users/${id}`, { headers: { cookie } });
    expect([one.status, await one.text()]).toEqual([404, expect.any(String)]);
    const list = await fetch(`${server.baseUrl}/api/v1/users?limit=5`, { headers: { cookie } });
    expect([list.status, await list.text()]).toEqual([200, expect.any(String)]);
    // A request is recorded when the server sees its response close, a moment after the client has it all.
    await expect.poll(scrape).toContain('http_request_duration_seconds_count{method="GET",route="/api/v1/users",status="200"}');
    const text = await scrape();
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/api/v1/users/[id]",status="404"}');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/api/v1/users",status="200"}');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/ready",status="200"}');
    expect(text).not.toContain(id);
    // And each is one log line with its route, status, duration, request id and caller (never the raw path).
    const lines = server
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    const logged = lines.find((line) => line.msg === "request" && line.requestId === list.headers.get("x-request-id"));
    expect(logged).toMatchObject({ level: 30, method: "GET", route: "/api/v1/users", status: 200, actorType: "user", actorId: expect.any(String) });
    expect(logged.durationMs).toBeGreaterThan(0);
    expect(lines.some((line) => line.msg === "request" && JSON.stringify(line).includes(id))).toBe(false);
    // The database work behind them, by repository call and by unit of work.
    expect(text).toMatch(/db_operation_duration_seconds_count\{operation="users\.list",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/db_operation_duration_seconds_count\{operation="unit_of_work",outcome="ok"\} [1-9]/);
  });

  it("does not grow a series per id: 1,000 distinct user ids leave the series count where it was", { timeout: 120_000 }, async () => {
    const get = async (id: string) => {
      const response = await fetch(`${server.baseUrl}/api/v1/users/${id}`, { headers: { cookie } });
      await response.text();
      return response.status;
    };
    expect(await get(randomUUID())).toBe(404);
    const before = await scrape();
    const limit = pLimit(8);
    const statuses = await Promise.all(Array.from({ length: 1_000 }, () => limit(() => get(randomUUID()))));
    expect(new Set(statuses)).toEqual(new Set([404]));
    const after = await scrape();
    for (const name of ["http_request_duration_seconds_bucket", "db_operation_duration_seconds_bucket"]) {
      expect(series(after, name)).toEqual(series(before, name));
    }
    const countOf = (text: string) =>
      Number(/http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/users\/\[id\]",status="404"\} (\d+)/.exec(text)?.[1]);
    await expect.poll(async () => countOf(await scrape())).toBeGreaterThanOrEqual(1_001);
  });

  it("counts the scheduled clean-up, which runs once at start (issue 18)", async () => {
    await expect.poll(scrape).toMatch(/^user_console_cleanup_runs_total\{outcome="ok"\} [1-9]/m);
    expect(await scrape()).not.toMatch(/^user_console_cleanup_runs_total\{outcome="error"\}/m);
  });

  it("warns once, not per request, when X-Forwarded-For arrives while TRUST_PROXY is off (issue 18)", async () => {
    for (let i = 0; i < 3; i++) {
      await (await fetch(`${server.baseUrl}/api/v1/session`, { headers: { "x-forwarded-for": `203.0.113.${i}` } })).text();
    }
    const warnings = server.output().split("\n").filter((line) => line.includes("X-Forwarded-For received while TRUST_PROXY is off"));
    expect(warnings).toHaveLength(1);
  });

  it("reports the pool, readiness, users by status, the import workers and the process", async () => {
    expect((await fetch(`${server.baseUrl}/ready`)).status).toBe(200);
    const text = await scrape();
    expect(text).toMatch(/^db_pool_connections\{state="in_use"\} \d+$/m);
    expect(text).toMatch(/^db_pool_connections\{state="idle"\} \d+$/m);
    expect(text).toMatch(/^db_pool_pending_acquires \d+$/m);
    expect(text).toMatch(/^user_console_ready 1$/m);
    // Counted at start-up: the bootstrap admin, still ACTIVE.
    expect(text).toMatch(/^user_console_users\{status="ACTIVE"\} 1$/m);
    expect(text).toMatch(/^user_console_users\{status="INVITED"\} 0$/m);
    expect(text).toMatch(/^user_console_import_queue_depth 0$/m);
    expect(text).toMatch(/^user_console_import_workers_busy 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });
});

describe("/metrics beyond loopback (issue 18, item 11)", () => {
  it("without METRICS_TOKEN answers 404 to a scrape, and start-up warned saying how to turn it on", async () => {
    // A second replica on the same database, bound to every interface as the container image is.
    const exposed = startServer({
      port: await freePort(),
      env: { DATABASE_URL: testbed.database.url, LISTEN_HOST: "0.0.0.0", SHUTDOWN_DELAY_MS: "0" },
    });
    try {
      await exposed.waitUntilReady();
      const response = await fetch(`${exposed.baseUrl}/metrics`);
      const body = await response.text();
      expect(response.status).toBe(404);
      expect(body).not.toContain("http_request_duration_seconds");
      const warning = exposed
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line))
        .find((line) => line.level === 40 && /\/metrics is off/.test(line.msg));
      expect(warning?.msg).toMatch(/listens on 0\.0\.0\.0.*set METRICS_TOKEN/);
    } finally {
      exposed.child.kill("SIGTERM");
      await exposed.exited;
    }
  });

  it("with METRICS_PORT serves it on that port only, and the main port answers 404", async () => {
    const metricsPort = await freePort();
    const separate = startServer({
      port: await freePort(),
      env: { DATABASE_URL: testbed.database.url, LISTEN_HOST: "0.0.0.0", METRICS_PORT: String(metricsPort), SHUTDOWN_DELAY_MS: "0" },
    });
    try {
      await separate.waitUntilReady();
      const main = await fetch(`${separate.baseUrl}/metrics`);
      expect([main.status, await main.text()]).toEqual([404, "Not Found\n"]);
      const own = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(own.status).toBe(200);
      expect(await own.text()).toContain("http_request_duration_seconds");
      expect((await fetch(`http://127.0.0.1:${metricsPort}/users`)).status).toBe(404);
      expect(separate.output()).not.toMatch(/\/metrics is off/);
      separate.child.kill("SIGTERM");
      expect(await separate.exited).toBe(0);
    } finally {
      separate.child.kill("SIGKILL");
    }
  });
});

describe("/ready and the migration history", () => {
  it("fails naming the migrations while one of this build's is not applied, and recovers when it is", async () => {
    const sql = new pg.Client({ connectionString: testbed.database.url });
    await sql.connect();
    try {
      const removed = await sql.query("DELETE FROM _prisma_migrations WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations) RETURNING *");
      expect(removed.rowCount).toBe(1);
      try {
        await expect
          .poll(async () => (await fetch(`${server.baseUrl}/ready`)).json(), { timeout: 10_000, interval: 250 })
          .toEqual({ status: "unavailable", checks: { database: "ok", migrations: "1 pending", flags: "ok", databaseBreaker: "ok" } });
        expect(await scrape()).toMatch(/^user_console_ready 0$/m);
      } finally {
        const row = removed.rows[0];
        const columns = Object.keys(row);
        await sql.query(
          `INSERT INTO _prisma_migrations (${columns.join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
          columns.map((column) => row[column]),
        );
      }
      await expect.poll(async () => (await fetch(`${server.baseUrl}/ready`)).status, { timeout: 10_000, interval: 250 }).toBe(200);
    } finally {
      await sql.end();
    }
  });
});

const PROMETHEUS = "/usr/bin/prometheus";

describe("a real Prometheus scraping the server", () => {
  it("stores the request histogram of a route the test just called", { timeout: 120_000 }, async () => {
    if (!existsSync(PROMETHEUS)) {
      throw new Error(`${PROMETHEUS} is missing: install Debian's Prometheus (apt-get install -y prometheus) to run this test`);
    }
    const dir = await mkdtemp(path.join(tmpdir(), "user-console-prometheus-"));
    const port = await freePort();
    const target = new URL(server.baseUrl).host;
    await writeFile(
      path.join(dir, "prometheus.yml"),
      [
        "global: { scrape_interval: 1s, evaluation_interval: 1s }",
        "scrape_configs:",
        "  - job_name: user-console",
        "    metrics_path: /metrics",
        `    authorization: { credentials: ${JSON.stringify(TOKEN)} }`,
        `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
        "",
      ].join("\n"),
    );
    const prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let output = "";
    prometheus.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise((resolve) => prometheus.once("exit", resolve));
    const query = async (promql: string): Promise<number | null> => {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?${new URLSearchParams({ query: promql })}`);
        const body = await response.json();
        const value = body?.data?.result?.[0]?.value?.[1];
        return value === undefined ? null : Number(value);
      } catch {
        return null; // not listening yet
      }
    };
    try {
      const route = "/api/v1/audit-events";
      const calls = 7;
      for (let i = 0; i < calls; i++) {
        expect((await fetch(`${server.baseUrl}${route}?limit=1`, { headers: { cookie } })).status).toBe(200);
      }
      const selector = `http_request_duration_seconds_count{job="user-console",method="GET",route="${route}",status="200"}`;
      await expect
        .poll(() => query(selector), { timeout: 60_000, interval: 500 })
        .toBeGreaterThanOrEqual(calls)
        .catch((error: unknown) => {
          throw new Error(`Prometheus never stored ${selector} (its output follows)\n${output}`, { cause: error });
        });
      expect(await query('up{job="user-console"}')).toBe(1);
    } finally {
      prometheus.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
