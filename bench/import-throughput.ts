/**
 * Benchmark: CSV import throughput (issue 6: "import throughput (rows/s) for 100k rows on PostgreSQL next to
 * `psql \copy` of the same file on the same machine").
 *
 * Starts one throwaway PostgreSQL 15 server, migrates it, writes a CSV of N valid rows, then in the same run:
 * (1) the import job through the app's own use cases (validation, duplicate and existing-email checks, one
 * audit entry per user, batches of 500 through the worker pool of 2), timed from upload to `succeeded`;
 * (2) `psql \copy` of the same file into a scratch table with the same columns and no constraints: the floor.
 *
 *   npx tsx --conditions react-server bench/import-throughput.ts [rows]
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";

import { createLogger } from "../lib/adapters/pino/logger";
import { applyMigrations, pgSession, readMigrations } from "../lib/adapters/prisma/migrator";
import { createDatabaseTestApp } from "../lib/composition-root";
import { loadConfig } from "../lib/config";
import type { Principal } from "../lib/domain/auth";
import { startPostgresServer } from "../test/support/postgres-server";

const ROWS = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(path.join(tmpdir(), "import-bench-"));
const file = path.join(dir, "users.csv");
const lines = ["email,name,role,status"];
for (let i = 0; i < ROWS; i++) lines.push(`user${i}@bench.example,User ${i},${i % 2 ? "VIEWER" : "EDITOR"},ACTIVE`);
const csv = `${lines.join("\n")}\n`;
writeFileSync(file, csv);

const server = await startPostgresServer();
const sql = new pg.Client({ connectionString: server.url });
try {
  await sql.connect();
  await applyMigrations(pgSession(sql), await readMigrations(new URL("../prisma/migrations", import.meta.url).pathname));
  const config = loadConfig({ DATABASE_URL: server.url, LOG_LEVEL: "error", DB_TIMEOUT_MS: "30000" });
  const { app } = await createDatabaseTestApp(config, { log: createLogger(config) });
  const principal: Principal = { kind: "token", tokenId: "00000000-0000-4000-8000-000000000000", name: "bench", role: "ADMIN" };
  const started = performance.now();
  // Streamed from the file as an upload is (64 KB reads), chunked into the database on the way.
  const { job } = await app.startImport(
    { bytes: createReadStream(file), filename: () => "users.csv" },
    {},
    { principal, requestId: null, traceId: null },
  );
  await app.importJobs.idle();
  const importSeconds = (performance.now() - started) / 1000;
  const view = await app.getImport(job.id, { errorsLimit: 5 }, { principal, requestId: null, traceId: null });
  if (view.job.status !== "succeeded" || view.progress.created !== ROWS) {
    throw new Error(`the import did not succeed: ${JSON.stringify({ status: view.job.status, error: view.job.error, progress: view.progress, errors: view.errors })}`);
  }
  await app.importJobs.stop();
  await app.database.close();

  await sql.query(`CREATE TABLE copy_scratch (email varchar(320), name varchar(200), role text, status text)`);
  const url = new URL(server.url);
  const copyStarted = performance.now();
  execFileSync("psql", [server.url, "-v", "ON_ERROR_STOP=1", "-c", `\\copy copy_scratch FROM '${file}' WITH (FORMAT csv, HEADER true)`], {
    stdio: "pipe",
    env: { ...process.env, PGHOST: url.hostname },
  });
  const copySeconds = (performance.now() - copyStarted) / 1000;
  const copied = Number((await sql.query("SELECT count(*) AS n FROM copy_scratch")).rows[0].n);
  if (copied !== ROWS) throw new Error(`\\copy loaded ${copied} rows, not ${ROWS}`);

  const rate = (seconds: number) => Math.round(ROWS / seconds).toLocaleString("en");
  console.log(`${ROWS.toLocaleString("en")} rows, ${(csv.length / 1024 / 1024).toFixed(1)} MB`);
  console.log(`import job (validate, users + audit per user, batches of 500, 2 workers): ${importSeconds.toFixed(2)} s, ${rate(importSeconds)} rows/s`);
  console.log(`psql \\copy into a scratch table (no constraints, no indexes):          ${copySeconds.toFixed(2)} s, ${rate(copySeconds)} rows/s`);
  console.log(`ratio: the import takes ${(importSeconds / copySeconds).toFixed(1)}x as long`);
} finally {
  await sql.end().catch(() => undefined);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
