/**
 * Benchmark: what tracing costs the built server (issue 8: "throughput with metrics+tracing on vs off, measured
 * in the same run"). Metrics and the log line per request are always on; what varies is tracing:
 *
 *   off        OTEL_SDK_DISABLED=true: the SDK is not even loaded, spans are the API's no-ops
 *   default    the shipped configuration: parent-based 10 % sampling, OTLP/HTTP (protobuf), batch processor
 *   always_on  every request traced and exported (ours and Next's spans)
 *
 * One throwaway PostgreSQL 15 server with 1,000 users; the production build (built first if stale) started once
 * per mode and round, one at a time, exporting to an OTLP sink in this process that reads and drops each batch
 * (counted, not decoded). Load: CONCURRENCY keep-alive clients each sending GET /api/v1/users?limit=20 with a
 * session cookie back to back for DURATION seconds after a warm-up, the modes rotated over ROUNDS rounds so
 * drift (caches, CPU clock) does not favour one. Client and server share the machine's cores, the same for
 * every mode. Prints requests/s, latency percentiles and each mode's throughput as a ratio of `off`.
 *
 *   npm run bench -- observability   (or: npx tsx --conditions react-server bench/observability-overhead.ts [seconds])
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import path from "node:path";

import pg from "pg";

import { applyMigrations, pgSession, readMigrations } from "../lib/adapters/prisma/migrator";
import { STANDALONE } from "../scripts/support/build-stamp.mjs";
import { ensureBuild, freePort, ROOT } from "../test/support/built-server";
import { BOOTSTRAP_PASSWORD, firstSignIn } from "../test/support/http-accounts";
import { startPostgresServer } from "../test/support/postgres-server";
import { percentile } from "./support/percentile";

const DURATION_S = Number(process.argv[2] ?? 15);
const WARMUP_S = 3;
const CONCURRENCY = 32;
const ROUNDS = 3;
const USERS = 1_000;
const PATH = "/api/v1/users?limit=20";

type Mode = "off" | "default" | "always_on";
const MODES: Mode[] = ["off", "default", "always_on"];

/** The OTLP/HTTP sink: answers every export 200 with an empty ExportTraceServiceResponse, counts what came. */
async function startSink() {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on("data", (chunk: Buffer) => (bytes += chunk.length));
    req.on("end", () => {
      exports++;
      res.writeHead(200, { "content-type": req.headers["content-type"] ?? "application/x-protobuf" }).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the sink is not listening on TCP");
  return {
    url: `http://127.0.0.1:${address.port}`,
    take() {
      const taken = { exports, bytes };
      exports = 0;
      bytes = 0;
      return taken;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function envFor(mode: Mode, sinkUrl: string): Record<string, string> {
  if (mode === "off") return { OTEL_SDK_DISABLED: "true" };
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    ...(mode === "always_on" ? { OTEL_TRACES_SAMPLER: "always_on" } : {}),
  };
}

/** The built server, its output discarded (a pipe someone must read would cost this process CPU too). */
async function startBuiltServer(env: Record<string, string>) {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, STANDALONE, "server/main.mjs")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      HOSTNAME: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "info",
      SHUTDOWN_DELAY_MS: "0",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = once(child, "exit");
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it was ready`);
    if ((await fetch(`${baseUrl}/ready`).then((r) => r.status, () => 0)) === 200) break;
    if (Date.now() > deadline) throw new Error("the server was not ready within 120 s");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    child,
    baseUrl,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSecondsOf(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

interface LoadResult {
  requests: number;
  nonOk: number;
  seconds: number;
  latenciesMs: number[];
}

/** CONCURRENCY clients on keep-alive connections, each sending its next request when its last one answered. */
async function load(baseUrl: string, cookie: string, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const url = new URL(PATH, baseUrl);
  const latenciesMs: number[] = [];
  let nonOk = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const sent = performance.now();
      const req = request(url, { agent, headers: { cookie } }, (res) => {
        res.resume();
        res.on("end", () => {
          latenciesMs.push(performance.now() - sent);
          if (res.statusCode !== 200) nonOk++;
          resolve();
        });
      });
      req.on("error", reject);
      req.end();
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests: latenciesMs.length, nonOk, seconds: elapsed, latenciesMs };
}

await ensureBuild();
const database = await startPostgresServer();
const sink = await startSink();
try {
  // Set-up: migrate; the first start creates the admin; sign in once (sessions are in the database, so the
  // cookie serves every later start); then add the users the listing pages through.
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  await applyMigrations(pgSession(sql), await readMigrations(new URL("../prisma/migrations", import.meta.url).pathname));
  const setup = await startBuiltServer({ DATABASE_URL: database.url, BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD, OTEL_SDK_DISABLED: "true" });
  const cookie = await firstSignIn(setup.baseUrl);
  await setup.stop();
  await sql.query(
    `INSERT INTO users (id, email, name, role, status, updated_at, created_at)
     SELECT gen_random_uuid(), 'user' || g || '@load.example', 'User ' || g, 'VIEWER', 'ACTIVE', now(), now() - (g || ' seconds')::interval
     FROM generate_series(1, $1::int) AS g`,
    [USERS],
  );
  await sql.query("ANALYZE users");
  await sql.end();

  const results = new Map<Mode, { rps: number[]; cpuMs: number[]; latenciesMs: number[]; nonOk: number; exports: number; bytes: number }>(
    MODES.map((mode) => [mode, { rps: [], cpuMs: [], latenciesMs: [], nonOk: 0, exports: 0, bytes: 0 }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    // Rotated: off, default, always_on; then default, always_on, off; ...
    const order = MODES.map((_, i) => MODES[(i + round) % MODES.length] as Mode);
    for (const mode of order) {
      const server = await startBuiltServer({ DATABASE_URL: database.url, ...envFor(mode, sink.url) });
      try {
        await load(server.baseUrl, cookie, WARMUP_S);
        sink.take();
        const pid = server.child.pid ?? 0;
        const cpuBefore = cpuSecondsOf(pid);
        const run = await load(server.baseUrl, cookie, DURATION_S);
        const cpuMsPerRequest = ((cpuSecondsOf(pid) - cpuBefore) * 1000) / run.requests;
        await server.stop(); // flushes the last batch, so the sink's count covers the measured run
        const exported = sink.take();
        const result = results.get(mode);
        if (!result) throw new Error(`no result slot for ${mode}`);
        result.rps.push(run.requests / run.seconds);
        result.cpuMs.push(cpuMsPerRequest);
        result.latenciesMs.push(...run.latenciesMs);
        result.nonOk += run.nonOk;
        result.exports += exported.exports;
        result.bytes += exported.bytes;
        const rps = (run.requests / run.seconds).toFixed(0).padStart(5);
        const detail = `${run.requests} requests, ${run.nonOk} not 200, ${exported.exports} exports, ${(exported.bytes / 1024).toFixed(0)} KiB`;
        console.log(`round ${round + 1} ${mode.padEnd(9)} ${rps} req/s, ${cpuMsPerRequest.toFixed(2)} ms server CPU/request  (${detail})`);
      } finally {
        if (server.child.exitCode === null) await server.stop();
      }
    }
  }

  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const baseline = mean(results.get("off")?.rps ?? []);
  const baselineCpu = mean(results.get("off")?.cpuMs ?? []);
  console.log(`\nGET ${PATH}, ${CONCURRENCY} concurrent keep-alive clients, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up, ${ROUNDS} rounds`);
  console.log("mode        req/s   vs off   CPU ms/req   vs off   p50 ms   p99 ms   not 200   OTLP exports");
  for (const mode of MODES) {
    const result = results.get(mode);
    if (!result) continue;
    const sorted = [...result.latenciesMs].sort((a, b) => a - b);
    const rps = mean(result.rps);
    const cpu = mean(result.cpuMs);
    console.log(
      [
        mode.padEnd(10),
        rps.toFixed(0).padStart(6),
        (rps / baseline).toFixed(2).padStart(6),
        cpu.toFixed(2).padStart(10),
        (cpu / baselineCpu).toFixed(2).padStart(6),
        percentile(sorted, 50).toFixed(1).padStart(6),
        percentile(sorted, 99).toFixed(1).padStart(6),
        String(result.nonOk).padStart(7),
        String(result.exports).padStart(12),
      ].join("   "),
    );
  }
} finally {
  await sink.close();
  await database.stop();
}
