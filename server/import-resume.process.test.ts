/**
 * A CSV import whose process is killed (SIGKILL: no shutdown code runs) mid-import, then resumed by the next
 * start from its committed batches (issue 6): exact counts, no user twice, one audit entry per created user.
 *
 * To cut it at a known point rather than a lucky one, the test holds an uncommitted user with the email of a row
 * in batch 2: that batch's INSERT ... ON CONFLICT waits on it, while the pool's other worker commits every later
 * batch. The kill then leaves a hole (batches 0, 1, 3..9 committed, 2 not) and a lease held by a dead process:
 * the next start must wait the lease out, fill the hole and finish the job.
 */
import { describe, expect, it } from "vitest";

import { bigFile } from "../test/api/imports-api.suite";
import { firstSignIn } from "../test/support/http-accounts";
import { serversOnTestDatabase } from "../test/support/servers-on-test-database";

const ROWS = 5_000; // 10 batches of 500
const BLOCKED_BATCH = 2;
const LEASE_MS = 2_000;

const testbed = serversOnTestDatabase("import_kill", { stopWith: "SIGKILL", poolSize: 3 });
const start = () =>
  testbed.start({
    IMPORT_LEASE_MS: String(LEASE_MS),
    // The held batch waits on the test's lock: no deadline may end it first.
    DB_TIMEOUT_MS: "120000",
  });

const count = async (query: string, values: unknown[]) => Number((await testbed.sql.query(query, values)).rows[0].n);

describe("a CSV import killed mid-way", () => {
  it("is resumed by the next start from its committed batches: exact counts, no user twice", async () => {
    const tag = "killed";
    const file = bigFile(tag, ROWS);
    const first = await start();
    const cookie = await firstSignIn(first.baseUrl);
    const headers = { origin: first.baseUrl, cookie };
    for (const email of file.existing) {
      const created = await fetch(`${first.baseUrl}/api/v1/users`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ email, name: "Already here" }),
      });
      expect(created.status).toBe(201);
    }

    const blocker = await testbed.sql.connect();
    let id: string;
    try {
      const blockedIndex = BLOCKED_BATCH * 500 + 234; // an ordinary row of batch 2 (bigFile: line = index + 2)
      await blocker.query("BEGIN");
      await blocker.query(
        "INSERT INTO users (id, email, name, updated_at) VALUES (gen_random_uuid(), $1, 'Blocker', now())",
        [`u${blockedIndex}.${tag}@example.com`],
      );

      const posted = await fetch(`${first.baseUrl}/api/v1/imports`, {
        method: "POST",
        headers: { ...headers, "content-type": "text/csv", "x-requested-with": "fetch" },
        body: file.csv,
      });
      expect(posted.status).toBe(202);
      id = (await posted.json()).id;

      const recorded = async () =>
        (await testbed.sql.query("SELECT batch_no FROM import_batches WHERE job_id = $1 ORDER BY batch_no", [id])).rows.map(
          (row: { batch_no: number }) => row.batch_no,
        );
      const allButBlocked = [0, 1, 3, 4, 5, 6, 7, 8, 9];
      await expect.poll(recorded, { timeout: 60_000, interval: 50 }).toEqual(allButBlocked);

      first.child.kill("SIGKILL");
      expect(await first.exited).toBe(137);
      const cut = (await testbed.sql.query("SELECT status, lease_until > now() AS held FROM import_jobs WHERE id = $1", [id])).rows[0];
      expect(cut).toEqual({ status: "running", held: true }); // the dead process's lease still stands
      expect(await recorded()).toEqual(allButBlocked);
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }

    const second = await start();
    await second.waitForOutput(/import job taken up/, 30_000);
    const report = async () => {
      const response = await fetch(`${second.baseUrl}/api/v1/imports/${id}?errorsLimit=1000`, { headers: { cookie } });
      return response.json();
    };
    await expect.poll(async () => (await report()).status, { timeout: 60_000, interval: 200 }).toBe("succeeded");

    const expectedCreated = ROWS - file.errors.length;
    const body = await report();
    expect(body).toMatchObject({
      counts: { total: ROWS, done: ROWS, created: expectedCreated, failed: file.errors.length },
    });
    expect(body.errors.items).toEqual(file.errors);
    const users = await testbed.sql.query("SELECT count(*) AS n, count(DISTINCT email) AS d FROM users WHERE email LIKE $1", [
      `%.${tag}@%`,
    ]);
    expect(Number(users.rows[0].n)).toBe(expectedCreated + file.existing.length);
    expect(users.rows[0].d).toBe(users.rows[0].n);
    expect(await count("SELECT count(*) AS n FROM audit_entries WHERE data->>'importId' = $1", [id])).toBe(expectedCreated);
    expect(await count("SELECT count(*) AS n FROM import_batches WHERE job_id = $1", [id])).toBe(10);
    // Finished: the stored file has served its purpose; the report (job, batches, row errors) stays.
    expect(await count("SELECT count(*) AS n FROM import_uploads WHERE job_id = $1", [id])).toBe(0);
  });
});
