/**
 * Benchmark: the REST API's hot endpoints on the production build, against a bare node:http + pg server running
 * the same SQL and answering the same JSON, in the same run (issue 16, item 1).
 *
 * Set-up: a throwaway PostgreSQL 15 (as the tests start one), migrated by the app's migrator, 100,000 users in one
 * INSERT ... generate_series, ANALYZE; an ADMIN API token stored as the app stores one (SHA-256 of the secret,
 * lib/use-cases/secrets.ts). Three servers on it:
 *   app            the production build (.next/standalone/server/main.mjs, built first when stale) with shipped
 *                  defaults: tracing at its default sampling (parent-based 10 %), exporting to an OTLP sink in
 *                  this process as it would to a collector; LOG_LEVEL info (a line per request, to a file)
 *   app, no trace  the same with OTEL_SDK_DISABLED=true (GET by id only: the "tracing vs off" ratio)
 *   app, no breaker the same with DB_BREAKER_FAILURES=0 (GET by id only: the circuit breaker's cost, issue 17;
 *                  the goal is read from its CPU per unit of work, bench/support/breaker-overhead.ts, since
 *                  rounds of one server differ by more than the 2 % it allows)
 *   bare           bench/support/bare-api-server.mjs: node:http + a pg Pool of the app's default DB_POOL_SIZE
 *   bare via Fetch the same with FETCH_OBJECTS=1: each request made a Fetch Request and each answer a Response, as
 *                  the app's dispatch does (GET by id only): the ceiling the handlers' Request -> Response contract sets
 * First each endpoint is requested once per server with log_statement='all', which prints the statements each
 * server runs per request (and checks that both answer 200 with the same JSON shape). Then, per endpoint, a
 * warm-up and interleaved rounds (the servers' order reversed every round): the maximum rate with Debian's wrk
 * (-t1 -c32, keep-alive), then latency at 70 % of that server's own maximum from the same round with wrk paced to
 * a fixed rate (bench/support/api-load.lua: wrk2's schedule, which Debian's wrk lacks), the server's and
 * PostgreSQL's CPU per request from /proc during the maximum-rate run, and the ratio app / bare.
 *
 * The load generator shares this machine's cores with the servers and PostgreSQL: figures compare servers
 * within one run; they are not the capacity of a machine that serves only the API.
 *
 *   npm run bench -- api   (or: npx tsx --conditions react-server bench/api.ts [--seconds 4] [--rounds 4])
 * Writes bench/results/api.json.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import pg from "pg";
import { z } from "zod";

import { applyMigrations, pgSession, readMigrations } from "../lib/adapters/prisma/migrator";
import { loadConfig } from "../lib/config";
import { API_TOKEN_PREFIX, hashSecret, newSecret } from "../lib/use-cases/secrets";
import { STANDALONE } from "../scripts/support/build-stamp.mjs";
import { measureBreakerOverhead } from "./support/breaker-overhead";
import { postmasterPid as postmasterPidOf, ticksToMs, treeTicks } from "./support/cpu-ticks";
import { insertMixedUsers } from "./support/mixed-users";
import { ensureBuild, freePort, ROOT } from "../test/support/built-server";
import { startPostgresServer, type PostgresServer } from "../test/support/postgres-server";

const { values: argv } = parseArgs({
  options: { seconds: { type: "string", default: "4" }, rounds: { type: "string", default: "4" } },
});
/**
 * Length of each measured run (the maximum-rate one and the paced one). Four rounds of 4 s rather than two of 8 s:
 * this machine's speed drifts over tens of seconds (the same server measured 1,060 and 1,600 req/s a minute
 * apart), and servers that take turns more often share that drift more evenly.
 */
const SECONDS = Number(argv.seconds);
const ROUNDS = Number(argv.rounds);
const WARMUP_SECONDS = 3;
const USERS = 100_000;
const CONNECTIONS = 32;
const WRK_THREADS = 1;
/** Latency is measured at this share of each server's own maximum rate. */
const PACED_SHARE = 0.7;
/** Matches 1,111 of the 100,000 names ("User 12", "User 120".."User 129", ...): under the exact-count cap. */
const SEARCH = "user 12";
/** The app's default pool size (DB_POOL_SIZE unset): the baseline gets the same. */
const POOL_SIZE = loadConfig({}).DB_POOL_SIZE;
const LOAD_SCRIPT = path.join(ROOT, "bench/support/api-load.lua");
const RESULTS_FILE = path.join(ROOT, "bench/results/api.json");

type TargetKey = "app" | "app-untraced" | "app-unguarded" | "bare" | "bare-fetch";
const TARGET_LABELS: Record<TargetKey, string> = {
  app: "app",
  "app-untraced": "app, tracing off",
  "app-unguarded": "app, breaker off",
  bare: "bare",
  "bare-fetch": "bare via Fetch",
};

interface BenchCase {
  key: string;
  label: string;
  mode: "get" | "list" | "patch";
  /** The path for `list`; `get` and `patch` pick a random id per request. */
  path?: string;
  targets: TargetKey[];
  /** Issue 16's goal for app / bare req/s. */
  goal: number;
}

const CASES: BenchCase[] = [
  { key: "get-by-id", label: "GET /api/v1/users/{id}", mode: "get", targets: ["app", "app-untraced", "app-unguarded", "bare", "bare-fetch"], goal: 0.5 },
  { key: "list", label: "GET /api/v1/users?limit=50", mode: "list", path: "/api/v1/users?limit=50", targets: ["app", "bare"], goal: 0.35 },
  {
    key: "list-search",
    label: `GET /api/v1/users?limit=50&q=${SEARCH}`,
    mode: "list",
    path: `/api/v1/users?limit=50&q=${encodeURIComponent(SEARCH)}`,
    targets: ["app", "bare"],
    goal: 0.35,
  },
  { key: "patch", label: "PATCH /api/v1/users/{id}, If-Match: *", mode: "patch", targets: ["app", "bare"], goal: 0.3 },
];

interface Target {
  key: TargetKey;
  baseUrl: string;
  /** Sent as Authorization, or "" (the baseline has no auth). */
  auth: string;
  process: ManagedProcess;
}

/** What one wrk run measured. */
interface Run {
  requests: number;
  seconds: number;
  rps: number;
  /** Connect, read, write and timeout errors, and answers of 400 or more. */
  failed: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  serverCpuMsPerRequest: number;
  dbCpuMsPerRequest: number;
  /** Paced runs: the rate asked for, and the sends over 1 ms behind their slot. */
  targetRate: number | null;
  late: number;
}

interface TargetResult {
  key: TargetKey;
  statementsPerRequest: number;
  statements: string[];
  rounds: { round: number; max: Run; paced: Run }[];
}

// ── Processes: everything started is stopped on the way out, failure and Ctrl-C included ─────────────────────

const cleanups: (() => Promise<void>)[] = [];
const children = new Set<ChildProcess>();

let cleaning: Promise<void> | undefined;
let interrupted = false;

/** Stops what was started, last first; once, whether reached from the end of the run or from a signal. */
function cleanUp(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const child of children) child.kill("SIGKILL");
    for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
      await cleanup().catch((error: unknown) => console.error("clean-up step failed:", error));
    }
  })());
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the servers and PostgreSQL`);
    void cleanUp().finally(() => process.exit(130));
  });
}

interface ManagedProcess {
  pid: number;
  logFile: string;
  exitCode(): number | null;
  stop(): Promise<void>;
}

/** A server in a process group of its own, its output to `logFile` (a pipe would cost this process CPU). */
function startProcess(args: string[], env: NodeJS.ProcessEnv, logFile: string): ManagedProcess {
  const fd = openSync(logFile, "a");
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", fd, fd], detached: true });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${args.join(" ")}`);
  const exited = once(child, "exit");
  let stopped: Promise<void> | undefined;
  const managed: ManagedProcess = {
    pid,
    logFile,
    exitCode: () => child.exitCode ?? (child.signalCode === null ? null : 128),
    stop: () =>
      (stopped ??= (async () => {
        const signal = (name: NodeJS.Signals) => {
          if (managed.exitCode() !== null) return;
          try {
            process.kill(-pid, name);
          } catch {
            // the group is gone already
          }
        };
        if (managed.exitCode() !== null) return;
        signal("SIGTERM");
        const deadline = setTimeout(() => signal("SIGKILL"), 15_000);
        await exited;
        clearTimeout(deadline);
      })()),
  };
  cleanups.push(() => managed.stop());
  return managed;
}

async function waitUntilReady(name: string, server: ManagedProcess, baseUrl: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (server.exitCode() !== null) throw new Error(`${name} exited (${server.exitCode()}) before it was ready:\n${tail(server.logFile)}`);
    if ((await fetch(`${baseUrl}/ready`).then((r) => r.status, () => 0)) === 200) return;
    if (Date.now() > deadline) throw new Error(`${name} was not ready within 120 s:\n${tail(server.logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // poll interval
  }
}

function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "(no output)";
}

/** Runs a command to its end; its stdout, or an error with both streams. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      children.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

// ── The OTLP sink: where the app's spans go, as they would to a collector ─────────────────────────────────────

async function startSink() {
  const counts = { exports: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on("data", (chunk: Buffer) => (counts.bytes += chunk.length));
    request.on("end", () => {
      counts.exports++;
      response.writeHead(200, { "content-type": request.headers["content-type"] ?? "application/x-protobuf" }).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the OTLP sink is not listening on TCP");
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${address.port}`, counts };
}

// ── Load: wrk with bench/support/api-load.lua ───────────────────────────────────────────────────────────────

const wrkSummary = z.object({
  requests: z.number(),
  durationUs: z.number(),
  errors: z.object({ connect: z.number(), read: z.number(), write: z.number(), status: z.number(), timeout: z.number() }),
  latencyUs: z.object({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number() }),
  late: z.number(),
});

async function load(
  target: Target,
  benchCase: BenchCase,
  context: { idsFile: string; postmasterPid: number },
  seconds: number,
  rate: number | null,
): Promise<Run> {
  const env = {
    ...process.env,
    BENCH_CASE: benchCase.mode,
    BENCH_PATH: benchCase.path ?? "",
    BENCH_IDS: context.idsFile,
    BENCH_AUTH: target.auth,
    BENCH_RATE: String(rate ?? 0),
    BENCH_THREADS: String(WRK_THREADS),
  };
  const args = [`-t${WRK_THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "10s", "-s", LOAD_SCRIPT, target.baseUrl];
  const server = treeTicks(target.process.pid);
  const db = treeTicks(context.postmasterPid);
  const stdout = await run("wrk", args, env);
  const serverTicks = treeTicks(target.process.pid) - server;
  const dbTicks = treeTicks(context.postmasterPid) - db;
  const line = stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const summary = wrkSummary.parse(JSON.parse(line.slice("BENCH_JSON ".length)));
  const requests = Math.max(summary.requests, 1);
  const ms = (us: number) => us / 1000;
  return {
    requests: summary.requests,
    seconds: summary.durationUs / 1e6,
    rps: summary.requests / (summary.durationUs / 1e6),
    failed: Object.values(summary.errors).reduce((sum, n) => sum + n, 0),
    latencyMs: {
      p50: ms(summary.latencyUs.p50),
      p90: ms(summary.latencyUs.p90),
      p99: ms(summary.latencyUs.p99),
      p999: ms(summary.latencyUs.p999),
      max: ms(summary.latencyUs.max),
    },
    serverCpuMsPerRequest: ticksToMs(serverTicks) / requests,
    dbCpuMsPerRequest: ticksToMs(dbTicks) / requests,
    targetRate: rate,
    late: summary.late,
  };
}

// ── Statements per request, from PostgreSQL's log ───────────────────────────────────────────────────────────

async function setLogStatement(sql: pg.Client, database: PostgresServer, value: "all" | "none"): Promise<void> {
  const from = statSync(database.logFile).size;
  await sql.query(`ALTER SYSTEM SET log_statement = '${value}'`);
  await sql.query("SELECT pg_reload_conf()");
  // The postmaster logs the change once it has re-read the file, right before it signals the backends, which
  // apply it before their next statement.
  const deadline = Date.now() + 10_000;
  while (!logSince(database, from).includes(`parameter "log_statement" changed to "${value}"`)) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL did not apply log_statement = ${value} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // poll interval
  }
}

function logSince(database: PostgresServer, offset: number): string {
  return readFileSync(database.logFile).subarray(offset).toString("utf8");
}

/** The statements logged in `log` by backends other than `ownPid`, whitespace collapsed, parameters left out. */
function statementsIn(log: string, ownPid: number): string[] {
  const statements: string[] = [];
  for (const entry of log.split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/)) {
    const match = /^\S+ \S+ \S+ \[(\d+)\] LOG: {2}(?:statement|execute [^:]+): ([\s\S]*)$/.exec(entry);
    if (!match?.[2] || Number(match[1]) === ownPid) continue;
    statements.push(match[2].replace(/\s+/g, " ").trim());
  }
  return statements;
}

function requestFor(benchCase: BenchCase, target: Target, id: string, n: number): { path: string; init: RequestInit } {
  const headers: Record<string, string> = target.auth ? { authorization: target.auth } : {};
  if (benchCase.mode === "list") return { path: benchCase.path ?? "", init: { headers } };
  const path = `/api/v1/users/${id}`;
  if (benchCase.mode === "get") return { path, init: { headers } };
  return {
    path,
    init: {
      method: "PATCH",
      headers: { ...headers, "content-type": "application/json", "if-match": "*" },
      body: JSON.stringify({ name: `Probe ${n}` }),
    },
  };
}

/** The JSON's shape: keys and value types, recursively (an array by its first item). */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return [value.length === 0 ? "empty" : shapeOf(value[0])];
  if (value === null) return "null";
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shapeOf(v)]));
  }
  return typeof value;
}

/**
 * Three requests one after another, each with its statements: the median count is the figure (a request may
 * also meet the token's once-a-minute last_used_at write, or a background query of the app).
 */
async function probe(
  benchCase: BenchCase,
  target: Target,
  context: { database: PostgresServer; ownPid: number; ids: string[] },
): Promise<{ statements: string[]; shape: unknown }> {
  const samples: string[][] = [];
  let shape: unknown;
  for (let n = 0; n < 3; n++) {
    const { path, init } = requestFor(benchCase, target, context.ids[n] ?? "", n);
    const offset = statSync(context.database.logFile).size;
    const response = await fetch(`${target.baseUrl}${path}`, init);
    const body: unknown = await response.json();
    if (response.status !== 200) {
      throw new Error(`${TARGET_LABELS[target.key]}: ${init.method ?? "GET"} ${path} answered ${response.status}: ${JSON.stringify(body)}`);
    }
    shape = shapeOf(body);
    samples.push(statementsIn(logSince(context.database, offset), context.ownPid));
  }
  samples.sort((a, b) => a.length - b.length);
  return { statements: samples[1] ?? [], shape };
}

/**
 * The app's answers of 400 or more during the run, by route and status, from its log line per request. Not 499:
 * wrk closes its connections when a run's time is up, cutting the requests in flight (up to -c per run), which
 * the app logs as 499 ("client closed request") and wrk does not count.
 */
function answersOver400(logFile: string): Record<string, number> {
  const requestLine = z.object({ msg: z.literal("request"), method: z.string(), route: z.string(), status: z.number() });
  const counts: Record<string, number> = {};
  for (const text of readFileSync(logFile, "utf8").split("\n")) {
    if (!text.includes('"msg":"request"')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue; // not a log line of ours
    }
    const line = requestLine.safeParse(parsed);
    if (!line.success || line.data.status < 400 || line.data.status === 499) continue;
    const key = `${line.data.method} ${line.data.route} ${line.data.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

// ── Reporting ───────────────────────────────────────────────────────────────────────────────────────────────

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);

function summarize(result: TargetResult) {
  const max = result.rounds.map((r) => r.max);
  const paced = result.rounds.map((r) => r.paced);
  return {
    rps: mean(max.map((r) => r.rps)),
    rpsRounds: max.map((r) => r.rps),
    serverCpuMsPerRequest: mean(max.map((r) => r.serverCpuMsPerRequest)),
    dbCpuMsPerRequest: mean(max.map((r) => r.dbCpuMsPerRequest)),
    failed: [...max, ...paced].reduce((sum, r) => sum + r.failed, 0),
    paced: {
      targetRate: mean(paced.map((r) => r.targetRate ?? 0)),
      achievedRate: mean(paced.map((r) => r.rps)),
      p50Ms: mean(paced.map((r) => r.latencyMs.p50)),
      p99Ms: mean(paced.map((r) => r.latencyMs.p99)),
      lateShare: paced.reduce((sum, r) => sum + r.late, 0) / Math.max(paced.reduce((sum, r) => sum + r.requests, 0), 1),
    },
  };
}

const fixed = (value: number, digits: number, width: number) => value.toFixed(digits).padStart(width);

function printCase(benchCase: BenchCase, results: TargetResult[]): void {
  const bare = results.find((r) => r.key === "bare");
  const bareRps = bare ? summarize(bare).rps : Number.NaN;
  console.log(`\n${benchCase.label}   (goal: app >= ${benchCase.goal}x bare)`);
  console.log(
    "  server              max req/s (per round)      CPU ms/req server + db   @70%: req/s   p50 ms   p99 ms  late   failed  SQL/req  x bare",
  );
  for (const result of results) {
    const s = summarize(result);
    const rounds = s.rpsRounds.map((rps) => rps.toFixed(0)).join(", ");
    console.log(
      [
        `  ${TARGET_LABELS[result.key].padEnd(18)}`,
        `${fixed(s.rps, 0, 7)} (${rounds})`.padEnd(26),
        `${fixed(s.serverCpuMsPerRequest, 3, 8)} + ${s.dbCpuMsPerRequest.toFixed(3)}`.padEnd(24),
        fixed(s.paced.achievedRate, 0, 11),
        fixed(s.paced.p50Ms, 2, 7),
        fixed(s.paced.p99Ms, 2, 7),
        `${fixed(s.paced.lateShare * 100, 1, 4)}%`,
        String(s.failed).padStart(7),
        String(result.statementsPerRequest).padStart(8),
        fixed(s.rps / bareRps, 3, 7),
      ].join(" "),
    );
  }
}

function machine(sqlVersion: string) {
  const wrk = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  const git = (args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout.trim();
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    postgres: /PostgreSQL [\d.]+/.exec(sqlVersion)?.[0] ?? sqlVersion,
    wrk: /wrk \S+/.exec(`${wrk.stdout}${wrk.stderr}`)?.[0] ?? "unknown",
    commit: `${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "--", ".", ":!bench/results"]) ? " (with uncommitted changes)" : ""}`,
  };
}

// ── The run ─────────────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  if (spawnSync("wrk", ["--version"]).error) {
    throw new Error("wrk is not installed: apt-get install -y wrk (Debian's; a Node load generator would take a core)");
  }
  const perTarget = CASES.reduce((n, c) => n + c.targets.length, 0);
  const estimate = perTarget * (WARMUP_SECONDS + ROUNDS * 2 * (SECONDS + 0.5)) + 40;
  console.log(
    `API benchmark: ${USERS.toLocaleString("en")} users, wrk -t${WRK_THREADS} -c${CONNECTIONS}, ${ROUNDS} interleaved rounds of ` +
      `${SECONDS} s at the maximum rate + ${SECONDS} s at ${PACED_SHARE * 100} % of it per server and endpoint ` +
      `(about ${Math.ceil(estimate / 60)} min after the build check)`,
  );
  console.log(
    `The load generator (wrk) runs on this same ${os.cpus().length}-core machine as the servers and PostgreSQL and takes ` +
      "CPU from them, most from the fastest server: compare servers within this run; these are not capacity figures.",
  );

  await ensureBuild();
  const work = await mkdtemp(path.join(os.tmpdir(), "user-console-bench-api-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  const database = await startPostgresServer();
  cleanups.push(() => database.stop());
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  cleanups.push(() => sql.end());

  // ── Data: the app's schema, 100k users, an ADMIN token ──
  await applyMigrations(pgSession(sql), await readMigrations(path.join(ROOT, "prisma/migrations")));
  const loading = performance.now();
  await insertMixedUsers(sql, USERS);
  await sql.query("ANALYZE");
  const secret = newSecret(API_TOKEN_PREFIX);
  await sql.query(
    // No owner: the bench's PATCHes may demote or disable any ADMIN, which would revoke a token they owned.
    `INSERT INTO api_tokens (id, name, role, secret_hash, prefix, created_by, expires_at)
     VALUES (gen_random_uuid(), 'bench', 'ADMIN', $1, $2, 'bench', now() + interval '1 day')`,
    [hashSecret(secret), secret.slice(0, API_TOKEN_PREFIX.length + 4)],
  );
  // ACTIVE users only: a PATCH of a user who is not ACTIVE also ends their sessions (one more statement).
  const ids = (await sql.query<{ id: string }>(`SELECT id FROM users WHERE status = 'ACTIVE' ORDER BY random() LIMIT 10000`)).rows.map((r) => r.id);
  const idsFile = path.join(work, "ids.txt");
  writeFileSync(idsFile, `${ids.join("\n")}\n`);
  const searchMatches = (
    await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE email ILIKE $1 OR name ILIKE $1`, [`%${SEARCH}%`])
  ).rows[0]?.n;
  const ownPid = (await sql.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid ?? 0;
  const version = (await sql.query<{ version: string }>("SELECT version()")).rows[0]?.version ?? "";
  const logStatement = (await sql.query<{ log_statement: string }>("SHOW log_statement")).rows[0]?.log_statement;
  if (logStatement !== "none") throw new Error(`log_statement is ${logStatement}: the measured runs need it off`);
  const postmasterPid = postmasterPidOf(database.dataDir);
  console.log(
    `loaded ${USERS.toLocaleString("en")} users in ${((performance.now() - loading) / 1000).toFixed(1)} s; ` +
      `q=${SEARCH} matches ${searchMatches?.toLocaleString("en")}; DB_POOL_SIZE ${POOL_SIZE} (the app's default) for both`,
  );

  // ── Servers ──
  const sink = await startSink();
  const baseEnv = { PATH: process.env.PATH ?? "", NODE_ENV: "production" as const, HOSTNAME: "127.0.0.1", DATABASE_URL: database.url };
  const targets = new Map<TargetKey, Target>();
  const appArgs = [path.join(ROOT, STANDALONE, "server/main.mjs")];
  const starts: { key: TargetKey; args: string[]; env: Record<string, string>; auth: string }[] = [
    // SHUTDOWN_DELAY_MS only shortens the bench's exit (no load balancer to wait for); the rest is shipped defaults.
    { key: "app", args: appArgs, env: { SHUTDOWN_DELAY_MS: "0", OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }, auth: `Bearer ${secret}` },
    { key: "app-untraced", args: appArgs, env: { SHUTDOWN_DELAY_MS: "0", OTEL_SDK_DISABLED: "true" }, auth: `Bearer ${secret}` },
    {
      key: "app-unguarded",
      args: appArgs,
      env: { SHUTDOWN_DELAY_MS: "0", OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, DB_BREAKER_FAILURES: "0" },
      auth: `Bearer ${secret}`,
    },
    { key: "bare", args: [path.join(ROOT, "bench/support/bare-api-server.mjs")], env: { DB_POOL_SIZE: String(POOL_SIZE) }, auth: "" },
    {
      key: "bare-fetch",
      args: [path.join(ROOT, "bench/support/bare-api-server.mjs")],
      env: { DB_POOL_SIZE: String(POOL_SIZE), FETCH_OBJECTS: "1" },
      auth: "",
    },
  ];
  for (const start of starts) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = startProcess(start.args, { ...baseEnv, PORT: String(port), ...start.env }, path.join(work, `${start.key}.log`));
    await waitUntilReady(TARGET_LABELS[start.key], server, baseUrl);
    targets.set(start.key, { key: start.key, baseUrl, auth: start.auth, process: server });
  }
  const targetOf = (key: TargetKey): Target => {
    const target = targets.get(key);
    if (!target) throw new Error(`no server ${key}`);
    return target;
  };

  // ── Statements per request (log_statement on for these requests only), and the same JSON shape ──
  const results = new Map<string, TargetResult[]>();
  await setLogStatement(sql, database, "all");
  console.log("\nStatements per request (PostgreSQL's log, log_statement='all', median of 3 requests):");
  for (const benchCase of CASES) {
    const shapes = new Map<TargetKey, string>();
    const caseResults: TargetResult[] = [];
    for (const key of benchCase.targets) {
      const { statements, shape } = await probe(benchCase, targetOf(key), { database, ownPid, ids });
      shapes.set(key, JSON.stringify(shape));
      caseResults.push({ key, statementsPerRequest: statements.length, statements, rounds: [] });
      if (key === "app-untraced" || key === "app-unguarded" || key === "bare-fetch") continue;
      console.log(`  ${benchCase.label}, ${TARGET_LABELS[key]}: ${statements.length}`);
      for (const statement of statements) console.log(`      ${statement.length > 110 ? `${statement.slice(0, 107)}...` : statement}`);
    }
    if (shapes.get("app") !== shapes.get("bare")) {
      console.warn(`  WARNING: ${benchCase.label}: the JSON shapes differ\n    app:  ${shapes.get("app")}\n    bare: ${shapes.get("bare")}`);
    }
    results.set(benchCase.key, caseResults);
  }
  await setLogStatement(sql, database, "none");

  // ── Load ──
  const context = { idsFile, postmasterPid };
  for (const benchCase of CASES) {
    const caseResults = results.get(benchCase.key) ?? [];
    for (const key of benchCase.targets) await load(targetOf(key), benchCase, context, WARMUP_SECONDS, null);
    for (let round = 1; round <= ROUNDS; round++) {
      // Reversed every other round, so drift (caches, the other tenants of these cores) favours no server.
      const order = round % 2 === 1 ? benchCase.targets : benchCase.targets.toReversed();
      for (const key of order) {
        const target = targetOf(key);
        const max = await load(target, benchCase, context, SECONDS, null);
        const paced = await load(target, benchCase, context, SECONDS, Math.max(1, Math.round(max.rps * PACED_SHARE)));
        caseResults.find((r) => r.key === key)?.rounds.push({ round, max, paced });
        console.log(
          `  ${benchCase.key} round ${round} ${TARGET_LABELS[key].padEnd(16)} ${fixed(max.rps, 0, 6)} req/s, ` +
            `${max.serverCpuMsPerRequest.toFixed(3)} + ${max.dbCpuMsPerRequest.toFixed(3)} ms CPU/req; ` +
            `at ${paced.targetRate} req/s: ${paced.rps.toFixed(0)} achieved, p50 ${paced.latencyMs.p50.toFixed(2)} ms, ` +
            `p99 ${paced.latencyMs.p99.toFixed(2)} ms${max.failed + paced.failed ? `, ${max.failed + paced.failed} failed` : ""}`,
        );
      }
    }
  }

  // The breaker's own cost per unit of work, in this process, while the servers idle.
  const breakerOverhead = await measureBreakerOverhead();

  // ── Report ──
  const info = machine(version);
  console.log(
    `\n${info.cpuModel}, ${info.cpus} cores, ${info.node}, ${info.postgres}, ${info.wrk} (-t${WRK_THREADS} -c${CONNECTIONS}) on the same cores; ` +
      `commit ${info.commit}`,
  );
  console.log(
    "max req/s: wrk as fast as it goes; CPU: /proc ticks of the server's process tree and of PostgreSQL's during those runs; " +
      `@70%: wrk paced to ${PACED_SHARE * 100} % of that server's max of the same round (late: sends over 1 ms behind ` +
      "schedule, whose wait is not in the latency); failed: errors and answers >= 400; SQL/req: statements logged per request",
  );
  for (const benchCase of CASES) printCase(benchCase, results.get(benchCase.key) ?? []);

  const summaryOf = (caseKey: string, target: TargetKey) => {
    const result = results.get(caseKey)?.find((r) => r.key === target);
    return result ? summarize(result) : undefined;
  };
  const goals: { goal: string; value: number; met: boolean }[] = [];
  for (const benchCase of CASES) {
    const ratio = (summaryOf(benchCase.key, "app")?.rps ?? 0) / (summaryOf(benchCase.key, "bare")?.rps ?? Number.NaN);
    goals.push({ goal: `${benchCase.label}: app >= ${benchCase.goal}x bare`, value: ratio, met: ratio >= benchCase.goal });
  }
  for (const benchCase of CASES) {
    const paced = summaryOf(benchCase.key, "app")?.paced;
    const ratio = paced ? paced.p99Ms / paced.p50Ms : Number.NaN;
    goals.push({ goal: `${benchCase.label}: app p99 <= 3x p50 at 70 % of its max`, value: ratio, met: ratio <= 3 });
  }
  const tracing = (summaryOf("get-by-id", "app")?.rps ?? 0) / (summaryOf("get-by-id", "app-untraced")?.rps ?? Number.NaN);
  goals.push({ goal: "GET /api/v1/users/{id}: tracing at shipped sampling >= 0.9x tracing off", value: tracing, met: tracing >= 0.9 });
  // Issue 17: the circuit breaker on every unit of work costs under 2 % of GET by id's rate. GET by id runs one
  // unit of work and is CPU-bound on the server, so its rate with the breaker is (1 - the breaker's CPU per unit /
  // the app's CPU per request) of the rate without. The wrk rates of "app" and "app, breaker off" are printed
  // too, but two rounds of one server differ by more than 2 % here.
  const appCpuUs = (summaryOf("get-by-id", "app")?.serverCpuMsPerRequest ?? Number.NaN) * 1_000;
  const breaker = 1 - Math.max(breakerOverhead.overheadUs, 0) / appCpuUs;
  goals.push({
    goal: "GET /api/v1/users/{id}: with the circuit breaker >= 0.98x without (1 - its CPU per unit of work / the app's per request)",
    value: breaker,
    met: breaker >= 0.98,
  });
  const breakerByWrk = (summaryOf("get-by-id", "app")?.rps ?? 0) / (summaryOf("get-by-id", "app-unguarded")?.rps ?? Number.NaN);
  console.log(
    `\nCircuit breaker: ${breakerOverhead.guardedUs.toFixed(3)} us per unit of work on, ${breakerOverhead.unguardedUs.toFixed(3)} us off ` +
      `(median of ${breakerOverhead.rounds} rounds of ${breakerOverhead.calls.toLocaleString("en")} calls): ` +
      `${breakerOverhead.overheadUs.toFixed(3)} us of the app's ${appCpuUs.toFixed(0)} us CPU per GET by id. ` +
      `By wrk's rates: app / app, breaker off = ${breakerByWrk.toFixed(3)} (within the rounds' spread).`,
  );
  // The ceiling the handler contract sets (lib/http/route.ts: a Fetch Request in, a Response out): the baseline's
  // own SQL and JSON, through the same conversion the app's dispatch does and nothing else.
  const fetchCeiling = (summaryOf("get-by-id", "bare-fetch")?.rps ?? 0) / (summaryOf("get-by-id", "bare")?.rps ?? Number.NaN);
  console.log(
    `\nThe Fetch handler contract's ceiling: bare via Fetch / bare = ${fetchCeiling.toFixed(3)} for GET by id ` +
      "(the most the app could reach were all its own work free; its CPU per request is in the table above).",
  );
  const failures = Object.fromEntries(
    (["app", "app-untraced", "app-unguarded"] as const).map((key) => [key, answersOver400(targetOf(key).process.logFile)]),
  );
  for (const [key, counts] of Object.entries(failures)) {
    const listed = Object.entries(counts).map(([what, n]) => `${what} x${n}`);
    if (listed.length > 0) console.log(`\n${key} answered >= 400 (its request log): ${listed.join(", ")}`);
  }
  console.log(`\nIssues 16 and 17's goals (OTLP sink received ${sink.counts.exports} exports, ${(sink.counts.bytes / 1024).toFixed(0)} KiB):`);
  for (const { goal, value, met } of goals) console.log(`  ${met ? "met    " : "NOT met"}  ${value.toFixed(3).padStart(7)}  ${goal}`);

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const document = {
    benchmark: "api",
    date: new Date().toISOString(),
    machine: info,
    loadGenerator: `${info.wrk} -t${WRK_THREADS} -c${CONNECTIONS} with bench/support/api-load.lua, on the same machine as the servers and PostgreSQL`,
    settings: {
      users: USERS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      pacedShare: PACED_SHARE,
      poolSize: POOL_SIZE,
      search: SEARCH,
      searchMatches,
      tracing: "app: shipped default sampling, exported to an OTLP sink in the bench process; app-untraced: OTEL_SDK_DISABLED=true",
      breaker: "app and app-untraced: the database circuit breaker on (shipped default); app-unguarded: DB_BREAKER_FAILURES=0",
      fetchCeiling: "bare-fetch: the bare server with FETCH_OBJECTS=1, each request a Fetch Request and each answer a Response, as the app's dispatch",
    },
    fetchCeiling,
    otlpSink: sink.counts,
    breakerOverhead,
    appAnswersOver400: failures,
    goals,
    cases: CASES.map((benchCase) => ({
      ...benchCase,
      targets: (results.get(benchCase.key) ?? []).map((result) => ({ ...result, summary: summarize(result) })),
    })),
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(ROOT, RESULTS_FILE)}`);
}

try {
  await main();
} catch (error) {
  // Interrupted: what failed is only what the clean-up stopped under it.
  if (!interrupted) console.error(error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
// Nothing of ours is left running; leave even if a library still holds a handle open.
process.exit();
