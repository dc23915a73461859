/**
 * PostgreSQL stopped under load (issue 17): the production build on a PostgreSQL of the test's own (the shared
 * test server must not stop under the other files), reached through a TCP relay that counts connection
 * attempts. A steady loop of reads and of writes carrying Idempotency-Keys runs through a `pg_ctl stop -m
 * immediate` of about 10 s and the restart, with an import job under way.
 */
import { randomUUID } from "node:crypto";

import { chromium } from "@playwright/test";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { bigFile } from "../test/api/imports-api.suite";
import { findChromium, HOW_TO_GET_CHROMIUM } from "../e2e/support/browser.mjs";
import { ensureBuild, freePort, startServer, type RunningServer } from "../test/support/built-server";
import { BOOTSTRAP_PASSWORD, firstSignIn, signIn, TEST_PASSWORD } from "../test/support/http-accounts";
import { startPostgresServer, type PostgresServer } from "../test/support/postgres-server";
import { startTcpRelay, type TcpRelay } from "../test/support/tcp-relay";

const OUTAGE_MS = 10_000;
const HALF_OPEN_MS = 2_000;
const IMPORT_ROWS = 20_000;

let postgres: PostgresServer;
let relay: TcpRelay;
let server: RunningServer;
let sql: pg.Pool;
let base: string;
let bearer: string;
/** The relay's address of the database, as the servers reach it. */
let relayedUrl: string;

beforeAll(async () => {
  await ensureBuild();
  // Durable: the halt is a crash, and every commit acknowledged before it must survive it.
  postgres = await startPostgresServer({ durable: true });
  relay = await startTcpRelay(Number(new URL(postgres.url).port));
  const url = new URL(postgres.url);
  url.port = String(relay.port);
  relayedUrl = url.href;
  server = startServer({
    port: await freePort(),
    env: {
      DATABASE_URL: relayedUrl,
      MIGRATE_ON_START: "true",
      BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD,
      DB_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
      SHUTDOWN_DELAY_MS: "0",
    },
  });
  await server.waitUntilReady();
  base = server.baseUrl;
  const cookie = await firstSignIn(base);
  const token = await fetch(`${base}/api/v1/tokens`, {
    method: "POST",
    headers: { origin: base, cookie, "content-type": "application/json" },
    body: JSON.stringify({ name: "outage", role: "ADMIN" }),
  });
  expect(token.status).toBe(201);
  bearer = `Bearer ${(await token.json()).secret}`;
  sql = new pg.Pool({ connectionString: postgres.url, max: 2 });
  // A connection the server drops (the halt, pg_terminate_backend) must not crash the test either.
  sql.on("error", () => undefined);
});
afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  await sql?.end();
  relay?.close();
  await postgres?.stop();
});

interface Answer {
  kind: "read" | "write";
  at: number;
  status: number;
  code?: string;
  retryAfter: string | null;
  email?: string;
  key?: string;
}

describe("PostgreSQL stopped for ~10 s under load", () => {
  it("answers 503 DATABASE_UNAVAILABLE with Retry-After, attempts no connection per request, logs the outage a bounded number of times, comes back, and loses nothing", async () => {
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, { ...init, redirect: "manual", signal: AbortSignal.timeout(15_000), headers: { authorization: bearer, ...init.headers } });
    const someId = (await (await api("/api/v1/users?limit=1")).json()).items[0].id;

    // An import under way when the database goes.
    const file = bigFile("outage", IMPORT_ROWS);
    const posted = await api("/api/v1/imports", { method: "POST", headers: { "content-type": "text/csv" }, body: file.csv });
    expect(posted.status).toBe(202);
    const importId: string = (await posted.json()).id;
    const batches = async () => Number((await sql.query("SELECT count(*) AS n FROM import_batches WHERE job_id = $1", [importId])).rows[0].n);
    await expect.poll(batches, { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);

    // The steady loop: every 100 ms five reads and one write (with an Idempotency-Key), each on its own.
    const answers: Answer[] = [];
    const pending = new Set<Promise<void>>();
    const send = (kind: Answer["kind"]) => {
      const at = Date.now();
      const email = `loop-${randomUUID()}@example.com`;
      const key = randomUUID();
      const request =
        kind === "read"
          ? api(at % 2 ? `/api/v1/users/${someId}` : "/api/v1/users?limit=5")
          : api("/api/v1/users", { method: "POST", headers: { "content-type": "application/json", "idempotency-key": key }, body: JSON.stringify({ email, name: "Loop" }) });
      const done = request
        .then(async (response) => {
          const body = response.status >= 400 ? await response.json() : await response.arrayBuffer().then(() => undefined);
          answers.push({ kind, at, status: response.status, code: body?.code, retryAfter: response.headers.get("retry-after"), ...(kind === "write" && { email, key }) });
        })
        .catch((error: unknown) => void answers.push({ kind, at, status: 0, code: String(error), retryAfter: null }))
        .finally(() => pending.delete(done));
      pending.add(done);
    };
    const loop = setInterval(() => {
      for (let i = 0; i < 5; i++) send("read");
      send("write");
    }, 100);
    const probes: { at: number; live: number; ready: number; readyBody: unknown }[] = [];
    const probeLoop = setInterval(() => {
      const at = Date.now();
      void Promise.all([fetch(`${base}/live`), fetch(`${base}/ready`)]).then(async ([live, ready]) =>
        probes.push({ at, live: live.status, ready: ready.status, readyBody: await ready.json() }),
      );
    }, 500);

    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await batches()).toBeLessThan(IMPORT_ROWS / 500); // the outage meets the import part-way
      const logBefore = server.output().length;
      const haltedAt = Date.now();
      await postgres.halt();

      // Open: every database-bound request is refused at once; the relay sees no connection per request.
      await expect.poll(async () => (await api(`/api/v1/users/${someId}`)).status, { timeout: 10_000, interval: 100 }).toBe(503);
      await expect
        .poll(async () => (await (await fetch(`${base}/ready`)).json()).checks.databaseBreaker, { timeout: 10_000, interval: 100 })
        .toBe("open");
      const page = await fetch(`${base}/users`, { redirect: "manual" });
      expect(page.status).toBe(503);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(Number(page.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(await page.text()).toMatch(/http-equiv="refresh"[\s\S]*temporarily unavailable/);
      const attemptsBefore = relay.attempts;
      const answeredBefore = answers.length;
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - haltedAt)));
      const requestsWhileOpen = answers.length - answeredBefore;
      const attemptsWhileOpen = relay.attempts - attemptsBefore;

      const restartedAt = Date.now();
      await postgres.restart();
      await expect.poll(async () => (await api(`/api/v1/users/${someId}`)).status, { timeout: 20_000, interval: 100 }).toBe(200);
      const backAfterMs = Date.now() - restartedAt;
      clearInterval(loop);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      clearInterval(probeLoop);
      await Promise.all(pending);
      const outageLog = server.output().slice(logBefore);

      const during = answers.filter(({ at }) => at >= haltedAt && at < restartedAt);
      const report = {
        answers: answers.length,
        during: during.length,
        refused: during.filter(({ status }) => status === 503).length,
        requestsWhileOpen,
        attemptsWhileOpen,
        backAfterMs,
        logLines: outageLog.split("\n").filter(Boolean).length,
      };
      console.log("outage:", JSON.stringify(report));

      // Never a 500 nor a dropped connection; every refusal is a 503 the client can act on.
      const unexpected = answers.filter(({ status }) => ![200, 201, 503].includes(status));
      expect(unexpected, `answers other than 200, 201 and 503: ${JSON.stringify(unexpected.map((answer) => ({ ...answer, at: answer.at - haltedAt })))}`).toEqual([]);
      // DATABASE_UNAVAILABLE, or DATABASE_BUSY when the pool was full as the database went or came back (the load,
      // the import's backlog): a 503 to retry either way.
      for (const refused of answers.filter(({ status }) => status === 503)) {
        expect(refused.code).toMatch(/^DATABASE_(UNAVAILABLE|BUSY)$/);
        expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      expect(during.filter(({ code }) => code === "DATABASE_UNAVAILABLE").length).toBeGreaterThan(during.length * 0.8);
      // While open, connection attempts are the breaker's probe, the LISTEN reconnects and the cancels of statements
      // cut at the halt: a few per second at most, not one per request.
      expect(requestsWhileOpen).toBeGreaterThan(200);
      expect(attemptsWhileOpen).toBeLessThan(requestsWhileOpen / 5);

      // /live stayed 200; /ready went 503 naming the breaker, and 200 again.
      expect(probes.filter(({ live }) => live !== 200)).toEqual([]);
      expect(probes.some(({ at, ready, readyBody }) => at > haltedAt && ready === 503 && JSON.stringify(readyBody).includes('"databaseBreaker":"open"'))).toBe(true);
      await expect.poll(async () => (await fetch(`${base}/ready`)).status, { timeout: 10_000 }).toBe(200);

      // The log: the start, a summary per 30 s, the end; no line per request, no stack per request.
      const lines = outageLog
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(lines.filter(({ msg }) => msg.startsWith("database unreachable"))).toHaveLength(1);
      expect(lines.filter(({ msg }) => msg.startsWith("database reachable again"))).toHaveLength(1);
      expect(lines.filter(({ msg }) => msg === "request failed")).toEqual([]);
      const loud = lines.filter(({ level }) => level >= 40); // warn and above
      expect(loud.length, loud.map(({ msg }) => msg).join("\n")).toBeLessThan(40);

      // Every acknowledged write is in the database; every refused one, retried with its key, lands once.
      const written = answers.filter(({ kind, status }) => kind === "write" && status === 201).map(({ email }) => email);
      const stored = new Set((await sql.query("SELECT email FROM users WHERE email = ANY($1)", [written])).rows.map((row: { email: string }) => row.email));
      expect(written.filter((email) => !stored.has(email!))).toEqual([]);
      const refusedWrites = answers.filter(({ kind, status }) => kind === "write" && status === 503);
      for (const write of refusedWrites) {
        const retried = await api("/api/v1/users", {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": write.key! },
          body: JSON.stringify({ email: write.email, name: "Loop" }),
        });
        expect(retried.status).toBe(201);
      }
      const emails = [...written, ...refusedWrites.map(({ email }) => email)];
      const counted = await sql.query("SELECT count(*) AS n, count(DISTINCT email) AS distinct FROM users WHERE email = ANY($1)", [emails]);
      expect(counted.rows[0]).toEqual({ n: String(emails.length), distinct: String(emails.length) });

      // The import went on from its last committed batch: exact counts.
      await expect.poll(async () => (await (await api(`/api/v1/imports/${importId}`)).json()).status, { timeout: 60_000, interval: 250 }).toBe("succeeded");
      const job = await (await api(`/api/v1/imports/${importId}`)).json();
      // bigFile's `existing` rows would fail as taken had we created those users first; here they are new.
      const failed = file.errors.length - file.existing.length;
      expect(job.counts).toMatchObject({ total: IMPORT_ROWS, done: IMPORT_ROWS, created: IMPORT_ROWS - failed, failed });

      // The metrics tell the story: open once, closed again.
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^circuit_breaker_state\{name="database"\} 0$/m);
      expect(metrics).toMatch(/^circuit_breaker_transitions_total\{name="database",from="closed",to="open"\} 1$/m);
      expect(metrics).toMatch(/^circuit_breaker_transitions_total\{name="database",from="half-open",to="closed"\} 1$/m);
    } finally {
      clearInterval(loop);
      clearInterval(probeLoop);
    }
  });

  it("with the breaker off, a page whose render meets the outage shows app/error.tsx's message, not a bare 500", async () => {
    const unguarded = startServer({
      port: await freePort(),
      env: { DATABASE_URL: relayedUrl, DB_BREAKER_FAILURES: "0", SHUTDOWN_DELAY_MS: "0" },
    });
    try {
      await unguarded.waitUntilReady();
      const cookie = await signIn(unguarded.baseUrl, "admin@example.com", TEST_PASSWORD);
      // Rendered once while the database answers (the session is then in the process's credential cache).
      expect((await fetch(`${unguarded.baseUrl}/users`, { headers: { cookie } })).status).toBe(200);
      await postgres.halt();
      try {
        // Next answers 500 with an empty document; the error boundary renders in the browser: look there.
        const found = findChromium();
        if (!found) throw new Error(HOW_TO_GET_CHROMIUM);
        const browser = await chromium.launch(found.launchOptions);
        try {
          const context = await browser.newContext();
          const [name = "", value = ""] = cookie.split(";")[0]?.split("=") ?? [];
          await context.addCookies([{ name, value, url: unguarded.baseUrl }]);
          const page = await context.newPage();
          await page.goto(`${unguarded.baseUrl}/users`);
          await page.getByRole("heading", { name: "This page could not be loaded" }).waitFor({ timeout: 15_000 });
          expect(await page.getByRole("button", { name: "Try again" }).isVisible()).toBe(true);
        } finally {
          await browser.close();
        }
      } finally {
        await postgres.restart();
      }
      await unguarded.waitUntilReady(30_000);
      // Said once in the log (no breaker to say it), and no line per failed render.
      await unguarded.waitForOutput(/database reachable again/, 30_000);
      expect(unguarded.output().match(/database unreachable/g)).toHaveLength(1);
      expect(unguarded.output()).not.toMatch(/page render failed/);
    } finally {
      unguarded.child.kill("SIGTERM");
      await unguarded.exited;
    }
  });

  it("survives its connections being killed by pg_terminate_backend: no crash, the next requests are served", async () => {
    const api = (path: string) => fetch(`${base}${path}`, { headers: { authorization: bearer } });
    // The test before halted PostgreSQL under this server too (its background work saw the outage, and its
    // breaker may still be open, waiting for its next probe): start from a server that serves again.
    await expect.poll(async () => (await api("/api/v1/users?limit=5")).status, { timeout: 30_000 }).toBe(200);
    const killed = await sql.query(
      "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    );
    expect(Number(killed.rows[0].n)).toBeGreaterThan(0);
    // A read that meets a dead pooled connection is tried once more; when that one was dead too, the answer is
    // a 503 to retry, never a 500, and the dead connections are gone from the pool after it.
    const statuses = [];
    for (let i = 0; i < 10; i++) {
      const response = await api("/api/v1/users?limit=5");
      statuses.push(response.status);
      if (response.status !== 200) expect(await response.json()).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    }
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    expect(statuses.slice(-5)).toEqual([200, 200, 200, 200, 200]);
    expect(server.child.exitCode).toBeNull();
  });
});
