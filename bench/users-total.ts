/**
 * Benchmark: the users listing's total on 1,000,000 rows (issue 5: "a total that stays cheap on 1M rows"), and the
 * dashboard's stats from the read model (issue 21) against a recount of the same table.
 *
 * Runs GET /api/v1/users's use case (a page plus its total: exact up to 10,000 matches, the planner's estimate
 * past that) against the baseline a naive listing would pay: the same page plus an exact `count(*)` of the same
 * filter. Both on one throwaway PostgreSQL 15 server started here, in the same run; each figure is the median
 * of repeated calls. Prints each case's times and the ratio ours / baseline (below 1 is cheaper).
 *
 * The stats (GET /api/v1/users/stats's use case: counts by status and role, signups per day) read the read model's
 * deltas (docs/decisions/018); the baseline is the exact recount the read model saves: GROUP BY status, role and
 * day over the table. The read model's price is paid on writes: single-row role changes are timed with its
 * triggers on and off, in the same run.
 *
 *   npm run bench -- users-total   (or: npx tsx --conditions react-server bench/users-total.ts [rows])
 */
import pg from "pg";

import { createDatabaseTestApp } from "../lib/composition-root";
import { loadConfig } from "../lib/config";
import type { Principal } from "../lib/domain/auth";
import type { UserListQuery } from "../lib/domain/user-list";
import { applyMigrations, pgSession, readMigrations } from "../lib/adapters/prisma/migrator";
import { startPostgresServer } from "../test/support/postgres-server";
import { insertMixedUsers } from "./support/mixed-users";

const ROWS = Number(process.argv[2] ?? 1_000_000);
const REPEATS = 15;

const server = await startPostgresServer();
const sql = new pg.Client({ connectionString: server.url });
try {
  await sql.connect();
  const migrations = await readMigrations(new URL("../prisma/migrations", import.meta.url).pathname);
  await applyMigrations(pgSession(sql), migrations);
  const loading = performance.now();
  await insertMixedUsers(sql, ROWS);
  await sql.query("ANALYZE users");
  console.log(`loaded ${ROWS.toLocaleString("en")} users in ${((performance.now() - loading) / 1000).toFixed(1)} s`);

  const { app, unitOfWork } = await createDatabaseTestApp(loadConfig({ DATABASE_URL: server.url, LOG_LEVEL: "silent", REQUEST_TIMEOUT_MS: "60000", DB_TIMEOUT_MS: "60000" }));
  const principal: Principal = { kind: "token", tokenId: "00000000-0000-4000-8000-000000000000", name: "bench", role: "ADMIN" };
  const context = { principal, requestId: null, traceId: null };
  const sort = { field: "createdAt", direction: "desc" } as const;
  const cases: { name: string; query: UserListQuery; where: string; params: unknown[] }[] = [
    { name: "no filter", query: { sort, limit: 20 }, where: "deleted_at IS NULL", params: [] },
    {
      name: "role=VIEWER&status=ACTIVE",
      query: { sort, limit: 20, roles: ["VIEWER"], statuses: ["ACTIVE"] },
      where: `deleted_at IS NULL AND role = 'VIEWER' AND status = 'ACTIVE'`,
      params: [],
    },
    {
      name: "q=user 12 (11,111 match)",
      query: { sort, limit: 20, search: "user 12" },
      where: "deleted_at IS NULL AND (email ILIKE $1 OR name ILIKE $1)",
      params: ["%user 12%"],
    },
    {
      name: "q=user 123456 (1 match)",
      query: { sort, limit: 20, search: "user 123456" },
      where: "deleted_at IS NULL AND (email ILIKE $1 OR name ILIKE $1)",
      params: ["%user 123456%"],
    },
  ];
  console.log("case | ours: page + capped total (ms) | baseline: page + count(*) (ms) | ratio ours/baseline | total");
  for (const { name, query, where, params } of cases) {
    let total = "";
    const ours = await median(async () => {
      const page = await app.listUsers(query, context);
      total = `${page.total.count.toLocaleString("en")}${page.total.exact ? "" : " (estimate)"}`;
    });
    const baseline = await median(async () => {
      await unitOfWork.run(({ users }) => users.list(query)); // the same page, through the same repository...
      await sql.query(`SELECT count(*) FROM users WHERE ${where}`, params); // ...plus an exact count
    });
    console.log(`${name} | ${ours.toFixed(1)} | ${baseline.toFixed(1)} | ${(ours / baseline).toFixed(3)} | ${total}`);
  }

  const deltaRows = async () => (await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM user_stat_deltas")).rows[0]?.n;
  console.log(`\nstats | ours: read model (ms) | baseline: recount (ms) | ratio ours/baseline | read model rows`);
  const since = new Date(Date.now() - 90 * 86_400_000);
  const stats = {
    ours: await median(async () => void (await app.getUserStats(context))),
    baseline: await median(async () => {
      await sql.query("SELECT status, count(*) FROM users WHERE deleted_at IS NULL GROUP BY status");
      await sql.query("SELECT role, count(*) FROM users WHERE deleted_at IS NULL GROUP BY role");
      await sql.query("SELECT created_at::date, count(*) FROM users WHERE created_at >= $1 GROUP BY 1", [since]);
    }),
  };
  console.log(`GET /users/stats | ${stats.ours.toFixed(2)} | ${stats.baseline.toFixed(1)} | ${(stats.ours / stats.baseline).toFixed(4)} | ${await deltaRows()}`);

  // What the triggers add to a write: a role change of one user per statement, with them and without them.
  const UPDATES = 2_000;
  const oneByOne = () =>
    median(async () => {
      for (let i = 0; i < UPDATES / REPEATS; i++) {
        await sql.query(`UPDATE users SET role = (CASE WHEN role = 'EDITOR' THEN 'VIEWER' ELSE 'EDITOR' END)::"Role" WHERE email = $1`, [
          `user${1 + Math.floor(Math.random() * ROWS)}@load.example`,
        ]);
      }
    });
  const withTriggers = await oneByOne();
  await sql.query("ALTER TABLE users DISABLE TRIGGER user_stat_deltas_update");
  const withoutTriggers = await oneByOne();
  await sql.query("ALTER TABLE users ENABLE TRIGGER user_stat_deltas_update");
  const perUpdate = (ms: number) => ((ms / Math.floor(UPDATES / REPEATS)) * 1_000).toFixed(0);
  console.log(
    `single-row UPDATE of a role: ${perUpdate(withTriggers)} us with the read model's trigger, ${perUpdate(withoutTriggers)} us without ` +
      `(ratio ${(withTriggers / withoutTriggers).toFixed(3)}); read model rows now ${await deltaRows()} (the clean-up folds them)`,
  );
  await app.database.close();
} finally {
  await sql.end().catch(() => undefined);
  await server.stop();
}

async function median(run: () => Promise<void>): Promise<number> {
  await run(); // warm caches and the query plans
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}
