/**
 * Benchmark: POST /api/v1/users/bulk's use case disabling (then enabling again) N users selected by a filter
 * (issue 6), on a throwaway PostgreSQL 15 server started here and on embedded PGlite, at the production chunk
 * size and at a few others. Each user costs a savepoint, the rules, a versioned write, ending their sessions and
 * an audit entry; the baseline is one plain UPDATE of the same rows (no rules, no audit), for scale.
 * Prints the wall time of each call and users per second. Not part of `npm test`: it takes minutes.
 *
 *   npx tsx --conditions react-server bench/users-bulk.ts [users=5000] [--no-pglite]   (CHUNK_SIZES=50,200 to choose)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";

import { createLogger } from "../lib/adapters/pino/logger";
import { applyMigrations, pgSession, readMigrations } from "../lib/adapters/prisma/migrator";
import { createDatabaseTestApp } from "../lib/composition-root";
import { loadConfig, type Config } from "../lib/config";
import type { Principal } from "../lib/domain/auth";
import { BULK_CHUNK_SIZE, type BulkCommand } from "../lib/domain/user-bulk";
import { makeBulkUpdateUsers } from "../lib/use-cases/bulk-update-users";
import { startPostgresServer } from "../test/support/postgres-server";

const USERS = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 5_000);
const PGLITE = !process.argv.includes("--no-pglite");
const CHUNK_SIZES = process.env.CHUNK_SIZES?.split(",").map(Number) ?? [...new Set([BULK_CHUNK_SIZE, 20, 200])];
const TAG = "bulkbench";

const principal: Principal = { kind: "token", tokenId: "00000000-0000-4000-8000-000000000000", name: "bench", role: "ADMIN" };
const context = { principal, requestId: "bench", traceId: null };
const log = createLogger({ LOG_LEVEL: "silent" });

async function measure(label: string, config: Config, load: (create: (i: number) => Promise<void>) => Promise<void>) {
  const { app, unitOfWork } = await createDatabaseTestApp(config, { log });
  try {
    const loading = performance.now();
    await load(async (start) => {
      await unitOfWork.run(async ({ users }) => {
        for (let i = start; i < Math.min(start + 500, USERS); i++) {
          await users.create({ email: `user${i}.${TAG}@load.example`, name: `User ${i}`, role: "VIEWER", status: "ACTIVE" });
        }
      });
    });
    console.log(`${label}: ${USERS.toLocaleString("en")} users loaded in ${seconds(performance.now() - loading)}`);
    console.log(`${label}: chunk size | action | wall time | users/s | this process's CPU per user | result`);
    for (const chunkSize of CHUNK_SIZES) {
      const bulk = makeBulkUpdateUsers({ unitOfWork, log, chunkSize });
      for (const command of [{ action: "disable" }, { action: "enable" }] satisfies BulkCommand[]) {
        const start = performance.now();
        const cpu = process.cpuUsage();
        const result = await bulk(command, { filter: { search: TAG } }, context);
        const ms = performance.now() - start;
        const used = process.cpuUsage(cpu);
        const { failed, ...counts } = result;
        console.log(
          `${label}: ${chunkSize}${chunkSize === BULK_CHUNK_SIZE ? " (production)" : ""} | ${command.action} | ${seconds(ms)} | ` +
            `${Math.round((USERS / ms) * 1000)} | ${((used.user + used.system) / 1000 / USERS).toFixed(2)} ms | ` +
            JSON.stringify({ ...counts, failed: failed.length }),
        );
      }
    }
    // The same through the app as wired (its deadline per unit of work included), once.
    const start = performance.now();
    await app.bulkUpdateUsers({ action: "disable" }, { filter: { search: TAG } }, context);
    console.log(`${label}: app.bulkUpdateUsers disable (as wired): ${seconds(performance.now() - start)}`);
  } finally {
    await app.database.close();
  }
}

const server = await startPostgresServer();
const sql = new pg.Client({ connectionString: server.url });
try {
  await sql.connect();
  await applyMigrations(pgSession(sql), await readMigrations(new URL("../prisma/migrations", import.meta.url).pathname));
  await measure("PostgreSQL", loadConfig({ DATABASE_URL: server.url, LOG_LEVEL: "silent" }), async () => {
    await sql.query(
      `INSERT INTO users (id, email, name, role, status, updated_at, created_at)
       SELECT gen_random_uuid(), 'user' || g || '.${TAG}@load.example', 'User ' || g, 'VIEWER', 'ACTIVE', now(),
              now() - ((${USERS} - g) || ' milliseconds')::interval
       FROM generate_series(1, $1::int) AS g`,
      [USERS],
    );
    await sql.query("ANALYZE users");
  });
  const start = performance.now();
  await sql.query(
    `UPDATE users SET status = 'ACTIVE', version = version + 1, updated_at = now() WHERE email LIKE '%.${TAG}@%' AND deleted_at IS NULL`,
  );
  console.log(`PostgreSQL: baseline, one UPDATE of the same rows (no rules, no audit): ${seconds(performance.now() - start)}`);
} finally {
  await sql.end().catch(() => undefined);
  await server.stop();
}

if (PGLITE) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "users-bulk-bench-"));
  try {
    await measure("PGlite", loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }), async (create) => {
      for (let i = 0; i < USERS; i += 500) await create(i);
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
