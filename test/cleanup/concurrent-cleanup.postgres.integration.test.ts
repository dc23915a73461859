/**
 * Two replicas' scheduled clean-ups deleting the same expired rows at once on PostgreSQL (issue 18's clean-up;
 * docs/decisions/013 says they "only repeat idempotent deletes"): both runs succeed, every expired row of every
 * kind is gone, and nothing live is. Each replica is the production wiring on a pool of its own
 * (createDatabaseTestApp), and its purge is the use case the scheduled clean-up runs.
 *
 * Written to test the first suspect for "clean-up failed … 1 kind(s) failed" on restarted replicas (a deadlock or
 * serialization failure between two replicas' purges); it passed before the fix too, so that was not the cause
 * (scheduled-cleanup.postgres.integration.test.ts has it). Each kind is one DELETE in a transaction of its own, so
 * the second replica's waits on the first's row locks and then finds the rows gone: in every round one replica
 * deleted all of a kind and the other none. Kept as the guard of that property: a purge that took its rows in
 * several statements, or several kinds in one transaction, could deadlock here.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createDatabaseTestApp } from "../../lib/composition-root";
import { loadConfig } from "../../lib/config";
import { systemClock } from "../../lib/ports/clock";
import { createLogger } from "../../lib/adapters/pino/logger";
import { makePurgeExpired, type PurgeCounts } from "../../lib/use-cases/purge-expired";
import { createTestDatabase, type TestDatabase } from "../support/postgres";

const ROUNDS = 10;
/** Expired rows of each kind per round: enough that the two runs' deletes overlap for a while. */
const EXPIRED = 2_000;
/** Live rows of each kind, which must survive every round. */
const LIVE = 50;

let database: TestDatabase;
let sql: pg.Pool;
const replicas: Array<Awaited<ReturnType<typeof createDatabaseTestApp>>> = [];

beforeAll(async () => {
  database = await createTestDatabase("cleanup_race");
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
  const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent" });
  for (let i = 0; i < 2; i++) replicas.push(await createDatabaseTestApp(config));
});
afterAll(async () => {
  for (const { app } of replicas) {
    app.databaseBreaker.stop();
    await app.featureFlags.close();
    await app.database.close();
  }
  await sql?.end();
  await database?.drop();
});

/** `count` rows of every kind the clean-up deletes, each `age` ago (expired: older than any kind's limit). */
async function insertRows(round: number, label: string, count: number, age: string): Promise<void> {
  const { rows } = await sql.query<{ id: string }>(
    `INSERT INTO users (id, email, name, role, status, version, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, 'Owner', 'VIEWER', 'ACTIVE', 1, now(), now()) RETURNING id`,
    [`owner-${round}-${label}@example.com`],
  );
  const userId = rows[0]?.id;
  const at = `now() - interval '${age}'`;
  // An invitation lives until its expiry, not for a time after its creation.
  const expires = label === "expired" ? at : "now() + interval '1 day'";
  await sql.query(
    `INSERT INTO sign_in_failures (key, created_at) SELECT 'account:' || $2 || i, ${at} FROM generate_series(1, $1) i`,
    [count, `${round}-${label}-`],
  );
  await sql.query(
    `INSERT INTO sessions (id, user_id, created_at, last_seen_at)
     SELECT encode(sha256(($3 || i)::bytea), 'hex'), $2, ${at}, ${at} FROM generate_series(1, $1) i`,
    [count, userId, `session-${round}-${label}-`],
  );
  await sql.query(
    `INSERT INTO invitations (id, user_id, secret_hash, created_at, expires_at)
     SELECT gen_random_uuid(), $2, encode(sha256(($3 || i)::bytea), 'hex'), ${at}, ${expires} FROM generate_series(1, $1) i`,
    [count, userId, `invitation-${round}-${label}-`],
  );
  await sql.query(
    `INSERT INTO known_devices (id, user_id, created_at, last_used_at)
     SELECT encode(sha256(($3 || i)::bytea), 'hex'), $2, ${at}, ${at} FROM generate_series(1, $1) i`,
    [count, userId, `device-${round}-${label}-`],
  );
  // Users added and changed: deltas of the read model for the clean-up to fold.
  await sql.query(
    `INSERT INTO users (id, email, name, role, status, updated_at)
     SELECT gen_random_uuid(), $2 || i || '@example.com', 'Some Body', 'VIEWER', 'ACTIVE', now() FROM generate_series(1, $1) i`,
    [count, `stat-${round}-${label}-`],
  );
  await sql.query(`UPDATE users SET role = 'EDITOR' WHERE email LIKE $1`, [`stat-${round}-${label}-1%`]);
  // Uploaded files go when their job has finished, however recently, and when abandoned (no job) for long; a live
  // one belongs to a job still queued. Expired: half of each way.
  const finished = label === "expired" ? "now()" : "NULL";
  const withJob = label === "expired" ? Math.ceil(count / 2) : count;
  await sql.query(
    `WITH jobs AS (
       INSERT INTO import_jobs (id, actor_type, actor, actor_role, sha256, size_bytes, status, updated_at, finished_at)
       SELECT gen_random_uuid(), 'user', 'someone@example.com', 'ADMIN', repeat('0', 64), 1,
              CASE WHEN ${finished} IS NULL THEN 'queued' ELSE 'succeeded' END::"ImportStatus", now(), ${finished}
       FROM generate_series(1, $1) RETURNING id),
     uploads AS (INSERT INTO import_uploads (id, job_id, started_at) SELECT gen_random_uuid(), id, ${at} FROM jobs RETURNING id)
     INSERT INTO import_upload_chunks (upload_id, chunk_no, content) SELECT id, 0, 'email,name' FROM uploads`,
    [withJob],
  );
  await sql.query(
    `WITH uploads AS (INSERT INTO import_uploads (id, job_id, started_at) SELECT gen_random_uuid(), NULL, ${at} FROM generate_series(1, $1) RETURNING id)
     INSERT INTO import_upload_chunks (upload_id, chunk_no, content) SELECT id, 0, 'email,name' FROM uploads`,
    [count - withJob],
  );
}

async function remaining(): Promise<Record<(typeof KINDS)[number], number>> {
  const count = async (query: string) => (await sql.query<{ n: number }>(query)).rows[0]?.n ?? -1;
  return {
    signInFailures: await count(`SELECT count(*)::int AS n FROM sign_in_failures`),
    sessions: await count(`SELECT count(*)::int AS n FROM sessions`),
    invitations: await count(`SELECT count(*)::int AS n FROM invitations`),
    importFiles: await count(`SELECT count(*)::int AS n FROM import_uploads`),
    knownDevices: await count(`SELECT count(*)::int AS n FROM known_devices`),
  };
}

const KINDS = ["signInFailures", "sessions", "invitations", "importFiles", "knownDevices"] as const satisfies ReadonlyArray<keyof PurgeCounts>;
const each = (n: number) => Object.fromEntries(KINDS.map((kind) => [kind, n]));

describe("two replicas' clean-ups at once on PostgreSQL", () => {
  it(`both succeed and delete every expired row once, and no live one (${ROUNDS} rounds)`, { timeout: 240_000 }, async () => {
    const log = createLogger({ LOG_LEVEL: "silent" });
    const purges = replicas.map(({ unitOfWork }) => makePurgeExpired({ unitOfWork, clock: systemClock, log }));
    await insertRows(-1, "live", LIVE, "1 second");
    for (let round = 0; round < ROUNDS; round++) {
      // Older than the longest limit (known devices: 180 days).
      await insertRows(round, "expired", EXPIRED, "200 days");

      const runs = await Promise.allSettled(purges.map((purge) => purge()));

      const failures = runs.flatMap((run) => (run.status === "rejected" ? [describeFailure(run.reason)] : []));
      expect(failures, `round ${round}`).toEqual([]);
      const deleted = runs.flatMap((run) => (run.status === "fulfilled" ? [run.value] : []));
      const totals = Object.fromEntries(KINDS.map((kind) => [kind, deleted.reduce((sum, counts) => sum + counts[kind], 0)]));
      expect(totals, `round ${round}`).toEqual(each(EXPIRED));
      expect(await remaining(), `round ${round}`).toEqual(each(LIVE));
      // The users' read model, folded by both at once: the sums are still the recount, one row per key.
      const stats = await sql.query<{ key: string; n: number; rows: number }>(
        `SELECT key, sum(n)::int AS n, count(*)::int AS rows FROM user_stat_deltas GROUP BY key ORDER BY key`,
      );
      const recount = await sql.query<{ key: string; n: number }>(
        `SELECT k.key, count(*)::int AS n FROM users u, user_stat_keys(u.status, u.role, u.deleted_at, u.created_at) k GROUP BY k.key ORDER BY k.key`,
      );
      expect(stats.rows.map(({ key, n }) => ({ key, n })), `round ${round}`).toEqual(recount.rows);
      expect(stats.rows.filter((row) => row.rows !== 1), `round ${round}`).toEqual([]);
    }
  });
});

/** A failed run's kinds and their errors (a deadlock or serialization failure would be named here). */
function describeFailure(reason: unknown): string {
  return reason instanceof AggregateError ? `${reason.message}: ${reason.errors.map(String).join("; ")}` : String(reason);
}
