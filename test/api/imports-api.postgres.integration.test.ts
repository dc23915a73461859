/**
 * CSV import jobs on PostgreSQL: the shared suite, plus a job cut mid-way (its worker pool shut down after a few
 * batches, as SIGTERM does) that a second app instance on the same database resumes from its last committed
 * batch, with exact counts and no user twice; and jobs that fail (a batch the database refuses, a file that is
 * gone) marked failed with the exact count of what was written.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { openPostgresHarness, type PostgresHarness } from "../support/database-harness";
import { bigFile, describeImportsApi } from "./imports-api.suite";

const SETTINGS = { REQUEST_TIMEOUT_MS: "30000", DB_TIMEOUT_MS: "30000" };
let api: PostgresHarness;
let sql: pg.Pool;
const PASSWORD = "correct horse battery";
/** Another app instance on the same database, as the next start would be. */
const another = () => api.another(SETTINGS);

beforeAll(async () => {
  api = await openPostgresHarness("imports_api", SETTINGS);
  sql = new pg.Pool({ connectionString: api.databaseUrl, max: 2 });
});
afterAll(async () => {
  await api?.app.importJobs.stop();
  await sql?.end();
  await api?.close();
});

describeImportsApi("PostgreSQL", () => api);

describe("CSV import jobs on PostgreSQL only", () => {
  it("resumes a job cut mid-way from its last committed batch: exact counts, no user twice", { timeout: 300_000 }, async () => {
    await api.createUser({ email: "resume-admin@staff.example", role: "ADMIN", password: PASSWORD });
    const cookie = await api.signIn("resume-admin@staff.example", PASSWORD);
    const tag = "resume";
    const file = bigFile(tag, 20_000);
    for (const email of file.existing) await api.createUser({ email, role: "VIEWER" });
    // An instance of its own takes the upload, so that cutting its workers leaves the shared one running.
    const cutInstance = await another();
    let id: string;
    let cut: number;
    const batches = async () => Number((await sql.query("SELECT count(*) AS n FROM import_batches WHERE job_id = $1", [id])).rows[0].n);
    try {
      const response = await cutInstance.call("POST", "/api/v1/imports", { cookie, rawBody: file.csv, headers: { "content-type": "text/csv" } });
      expect(response.status).toBe(202);
      id = (await response.json()).id;

      // Cut it, as SIGTERM does, once a few batches have committed.
      await expect.poll(batches, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(3);
      await cutInstance.app.importJobs.stop();
      cut = await batches();
    } finally {
      await cutInstance.app.importJobs.stop();
      await cutInstance.close();
    }
    expect(cut).toBeLessThan(40);
    const job = (await sql.query("SELECT status, lease_until FROM import_jobs WHERE id = $1", [id])).rows[0];
    expect(job).toEqual({ status: "running", lease_until: null }); // cut, and given up for the next start
    const usersAtCut = Number((await sql.query("SELECT count(*) AS n FROM users WHERE email LIKE $1", [`%.${tag}@%`])).rows[0].n);

    // A new app instance on the same database (the next start) takes it up and finishes it.
    const next = await another();
    try {
      expect(await next.app.importJobs.resumeUnheld()).toBe(1);
      await next.app.importJobs.idle();
      const done = await next.call("GET", `/api/v1/imports/${id}?errorsLimit=1000`, { cookie });
      const body = await done.json();
      expect(body).toMatchObject({
        status: "succeeded",
        counts: { total: 20_000, done: 20_000, created: 20_000 - file.errors.length, failed: file.errors.length },
      });
      expect(body.errors.items).toEqual(file.errors);
      expect(usersAtCut).toBeLessThan(20_000 - file.errors.length + file.existing.length);
      const users = await sql.query("SELECT count(*) AS n, count(DISTINCT email) AS d FROM users WHERE email LIKE $1", [`%.${tag}@%`]);
      expect(Number(users.rows[0].n)).toBe(20_000 - file.errors.length + file.existing.length);
      expect(users.rows[0].d).toBe(users.rows[0].n);
      const audited = await sql.query("SELECT count(*) AS n FROM audit_entries WHERE data->>'importId' = $1", [id]);
      expect(Number(audited.rows[0].n)).toBe(20_000 - file.errors.length);
      const numbers = await sql.query("SELECT batch_no FROM import_batches WHERE job_id = $1 ORDER BY batch_no", [id]);
      expect(numbers.rows.map((row: { batch_no: number }) => row.batch_no)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    } finally {
      await next.app.importJobs.stop();
      await next.close();
    }
  });

  it("marks a job whose file is gone as failed, with the exact count of what was written", async () => {
    await api.createUser({ email: "gone-admin@staff.example", role: "ADMIN", password: PASSWORD });
    const jobId = "019a0000-0000-7000-8000-000000000001";
    await sql.query(
      `INSERT INTO import_jobs (id, actor_type, actor, actor_role, sha256, size_bytes, status, updated_at)
       VALUES ($1, 'system', 'system', 'ADMIN', repeat('0', 64), 10, 'running', now())`,
      [jobId],
    );
    await sql.query(
      `INSERT INTO import_batches (job_id, batch_no, first_line, last_line, rows, created, failed) VALUES ($1, 0, 2, 501, 500, 480, 20)`,
      [jobId],
    );
    const other = await another();
    try {
      await other.app.importJobs.resumeUnheld();
      await other.app.importJobs.idle();
    } finally {
      await other.app.importJobs.stop();
      await other.close();
    }
    const row = (await sql.query("SELECT status, error, finished_at FROM import_jobs WHERE id = $1", [jobId])).rows[0];
    expect(row.status).toBe("failed");
    expect(row.error).toBe("The file of this import is gone, so it cannot be resumed. 480 user(s) were created from 500 row(s) before it stopped.");
    expect(row.finished_at).not.toBeNull();
  });

  it("marks a job whose batch fails to write as failed, with the exact count of what the other batches wrote", { timeout: 120_000 }, async () => {
    await api.createUser({ email: "failing-admin@staff.example", role: "ADMIN", password: PASSWORD });
    const cookie = await api.signIn("failing-admin@staff.example", PASSWORD);
    const tag = "failing";
    const file = bigFile(tag, 5_000);
    // A real failure inside the batch holding row 1,234 (the third of 500 rows): the database refuses that user.
    await sql.query(`CREATE FUNCTION refuse_one_import() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await sql.query(`CREATE TRIGGER refuse_one_import BEFORE INSERT ON users FOR EACH ROW
      WHEN (NEW.email = 'u1234.${tag}@example.com') EXECUTE FUNCTION refuse_one_import()`);
    try {
      const response = await api.call("POST", "/api/v1/imports", { cookie, rawBody: file.csv, headers: { "content-type": "text/csv" } });
      expect(response.status).toBe(202);
      const { id } = await response.json();
      await api.app.importJobs.idle();

      const body = await (await api.call("GET", `/api/v1/imports/${id}`, { cookie })).json();
      expect(body.status).toBe("failed");
      // What the committed batches wrote, and nothing of the failed one: counted in the database itself.
      const users = Number((await sql.query("SELECT count(*) AS n FROM users WHERE email LIKE $1", [`%.${tag}@%`])).rows[0].n);
      const recorded = await sql.query("SELECT batch_no, rows FROM import_batches WHERE job_id = $1 ORDER BY batch_no", [id]);
      const batchNos = recorded.rows.map((row: { batch_no: number }) => row.batch_no);
      expect(batchNos).toContain(0);
      expect(batchNos).not.toContain(2);
      expect(await sql.query("SELECT 1 FROM users WHERE email LIKE $1", [`u1000.${tag}@%`])).toMatchObject({ rowCount: 0 });
      const rowsDone = recorded.rows.reduce((sum: number, row: { rows: number }) => sum + row.rows, 0);
      expect(body.counts).toMatchObject({ total: 5_000, done: rowsDone, created: users });
      expect(body.error).toBe(
        `Writing a batch failed; the rows of the batches that committed are imported, the others are not. ${users} user(s) were created from ${rowsDone} row(s) before it stopped.`,
      );
    } finally {
      await sql.query("DROP TRIGGER refuse_one_import ON users; DROP FUNCTION refuse_one_import()");
    }
  });

  it("streams real progress over SSE: rows done, rows per second and an ETA while the job runs", { timeout: 120_000 }, async () => {
    await api.createUser({ email: "sse-admin@staff.example", role: "ADMIN", password: PASSWORD });
    const cookie = await api.signIn("sse-admin@staff.example", PASSWORD);
    const tag = "sse";
    const file = bigFile(tag, 5_000);
    // Both workers held, on batches 1 and 2.
    const first = await holdRow(tag, 600);
    const second = await holdRow(tag, 1_100);
    try {
      const response = await api.call("POST", "/api/v1/imports", { cookie, rawBody: file.csv, headers: { "content-type": "text/csv" } });
      const { id } = await response.json();
      const events = await api.call("GET", `/api/v1/imports/${id}/events`, { cookie });
      const frames = sseFrames(events);
      const next = async () => (await frames.next()).value as { event: string; data: Record<string, unknown> };
      let frame = await next();
      while (frame.data.rowsDone !== 500) frame = await next(); // batch 0 committed, 1 and 2 held
      // One worker free: it writes batch 1 and then all the rest but batch 2.
      await first.query("ROLLBACK");
      while (frame.data.rowsDone !== 4_500) frame = await next();
      expect(frame.event).toBe("progress");
      expect(frame.data).toMatchObject({ status: "running", total: 5_000 });
      expect(frame.data.rowsPerSecond).toBeGreaterThan(0);
      expect(frame.data.etaSeconds).toBe(Math.ceil(500 / (frame.data.rowsPerSecond as number)));
      await second.query("ROLLBACK");
      do frame = await next();
      while (frame.event !== "done");
      expect(frame.data).toMatchObject({ status: "succeeded", rowsDone: 5_000, etaSeconds: 0 });
      expect((await frames.next()).done).toBe(true); // the stream closed with the job
    } finally {
      for (const client of [first, second]) {
        await client.query("ROLLBACK").catch(() => undefined);
        client.release();
      }
    }
  });
});

describe("CSV import jobs pause on PostgreSQL (issue 18, item 9)", () => {
  it("pause mid-run when read-only mode goes on: the batches under way commit, none starts after; they resume once it is off", { timeout: 120_000 }, async () => {
    await api.createUser({ email: "pause-admin@staff.example", role: "ADMIN", password: PASSWORD });
    const cookie = await api.signIn("pause-admin@staff.example", PASSWORD);
    const tag = "midpause";
    const file = bigFile(tag, 5_000);
    const setReadOnly = async (on: boolean) => {
      const etag = (await api.call("GET", "/api/v1/flags/ops-read-only-mode", { cookie })).headers.get("etag") ?? "";
      const change = on ? { on: true, fallthrough: { variation: 0 } } : { on: false };
      const response = await api.call("PATCH", "/api/v1/flags/ops-read-only-mode", { cookie, body: change, headers: { "if-match": etag } });
      expect(response.status).toBe(200);
    };
    // Both workers held on batches 1 and 2, with batches 3 and 4 parsed and queued behind them.
    const holders = [await holdRow(tag, 600), await holdRow(tag, 1_100)];
    const job = async (id: string) => (await api.call("GET", `/api/v1/imports/${id}`, { cookie })).json();
    const release = async () => {
      // The pool has two connections, both holding: given back, so the checks below can query.
      for (const client of holders.splice(0)) {
        await client.query("ROLLBACK").catch(() => undefined);
        client.release();
      }
    };
    try {
      const response = await api.call("POST", "/api/v1/imports", { cookie, rawBody: file.csv, headers: { "content-type": "text/csv" } });
      expect(response.status).toBe(202);
      const { id } = await response.json();
      await expect.poll(async () => (await job(id)).counts.done, { timeout: 60_000, interval: 50 }).toBe(500);
      await setReadOnly(true);
      try {
        await release();
        await expect.poll(async () => (await job(id)).paused?.reason, { timeout: 30_000, interval: 50 }).toBe("read-only-mode");
        // Batches 1 and 2 were writing when the flag went on: they commit. Batches 3 and 4, queued, never start.
        expect((await job(id)).counts.done).toBe(1_500);
        const recorded = await sql.query("SELECT batch_no FROM import_batches WHERE job_id = $1 ORDER BY batch_no", [id]);
        expect(recorded.rows.map((row: { batch_no: number }) => row.batch_no)).toEqual([0, 1, 2]);
        const stored = (await sql.query("SELECT status, paused_reason, paused_at IS NOT NULL AS since FROM import_jobs WHERE id = $1", [id])).rows[0];
        expect(stored).toEqual({ status: "running", paused_reason: "read-only-mode", since: true });
      } finally {
        await setReadOnly(false);
      }
      await expect.poll(async () => (await job(id)).status, { timeout: 60_000, interval: 100 }).toBe("succeeded");
      expect(await job(id)).toMatchObject({
        paused: null,
        counts: { total: 5_000, done: 5_000, created: 5_000 - file.errors.length + file.existing.length },
      });
    } finally {
      await release();
    }
  });
});

/**
 * Holds the import batch that has row `index` of bigFile(tag): an uncommitted user with that row's email, which the
 * batch's INSERT ... ON CONFLICT waits on until the returned connection rolls back.
 */
async function holdRow(tag: string, index: number): Promise<pg.PoolClient> {
  const client = await sql.connect();
  await client.query("BEGIN");
  await client.query("INSERT INTO users (id, email, name, updated_at) VALUES (gen_random_uuid(), $1, 'Held', now())", [
    `u${index}.${tag}@example.com`,
  ]);
  return client;
}

/** The frames of an SSE response, as they arrive. */
async function* sseFrames(response: Response): AsyncGenerator<{ event: string; data: Record<string, unknown> }> {
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = response.body?.getReader();
  if (!reader) return;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const chunk = read.value;
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const match = /^event: (\w+)\ndata: (.*)$/.exec(frame);
      if (match) yield { event: match[1] ?? "", data: JSON.parse(match[2] ?? "") };
    }
  }
}
