import { afterAll, describe, expect, it } from "vitest";

import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { recordingLogger, type LogLine } from "../support/recording-logger";

/*
 * A database outage as the API's callers see it (issue 17), on the in-memory database set unreachable: it then
 * fails every unit of work as a connect to a stopped PostgreSQL does. The same against a real PostgreSQL stopped
 * under load: server/database-outage.process.test.ts.
 */

const lines: LogLine[] = [];
const api = await createApiHarness({
  hasher: fastTestHasher,
  log: recordingLogger(lines),
  // Authentication asks the database on every request, so it meets the outage too.
  config: { DB_BREAKER_FAILURES: 3, DB_BREAKER_HALF_OPEN_MS: 200, AUTH_CACHE_TTL_MS: 0 },
});
afterAll(() => api.close());

if (!("setDatabaseUnreachable" in api)) throw new Error("the outage tests need the in-memory database");
const setDatabaseUnreachable = api.setDatabaseUnreachable;

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a database outage, through the API (in memory)", () => {
  it("answers 503 DATABASE_UNAVAILABLE with Retry-After (never 500), logs the outage once, and serves again once the database is back", async () => {
    await api.createUser({ email: "outage@staff.example", role: "ADMIN", password: "correct horse battery" });
    const cookie = await api.signIn("outage@staff.example", "correct horse battery");
    lines.length = 0;

    setDatabaseUnreachable(true);
    const answers = [];
    for (let i = 0; i < 20; i++) {
      answers.push(i % 2 ? await api.call("GET", "/api/v1/users?limit=5", { cookie }) : await api.call("POST", "/api/v1/users", { cookie, body: { email: `during-${i}@example.com`, name: "During" } }));
    }
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(await answer.json()).toMatchObject({ code: "DATABASE_UNAVAILABLE", status: 503 });
    }
    expect(api.app.databaseBreaker.state()).toBe("open");

    setDatabaseUnreachable(false);
    await until(async () => (await api.call("GET", "/api/v1/users?limit=5", { cookie })).status === 200, "the API serves again");
    expect(api.app.databaseBreaker.state()).toBe("closed");
    // One line when it started, one when it ended; none per refused request.
    expect(lines.filter(({ level }) => level === "error" || level === "warn").map(({ message }) => message)).toEqual([
      expect.stringMatching(/^database unreachable: 3 calls in a row could not reach it/),
    ]);
    expect(lines.filter(({ message }) => message.startsWith("database reachable again"))).toHaveLength(1);
  });

  // That the outage meets the job part-way (some batches committed, not all) is shown on PostgreSQL, where the
  // database's progress can be read while it is down: server/database-outage.process.test.ts.
  it("lets an import job ride out the outage and finish from its last committed batch, with exact counts", { timeout: 20_000 }, async () => {
    await api.createUser({ email: "importer@staff.example", role: "ADMIN", password: "correct horse battery" });
    const cookie = await api.signIn("importer@staff.example", "correct horse battery");
    const rows = Array.from({ length: 20_000 }, (_, i) => `rides-${i}@example.com,Rides ${i}`).join("\n");
    const started = await api.call("POST", "/api/v1/imports", { cookie, rawBody: `email,name\n${rows}\n`, headers: { "content-type": "text/csv" } });
    expect(started.status).toBe(202);
    const { id } = await started.json();
    const progress = () => api.unitOfWork.run(({ imports }) => imports.progress(id));

    // The outage begins while the job runs: its batches queued for the database meet it.
    setDatabaseUnreachable(true);
    let finished = false;
    void api.app.importJobs.idle().then(() => (finished = true));
    for (let i = 0; i < 3; i++) await api.call("GET", "/api/v1/users?limit=5", { cookie });
    expect(api.app.databaseBreaker.state()).toBe("open");
    // Longer than a few open periods: batches wait out several probes, and the job neither fails nor ends.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(finished).toBe(false);
    setDatabaseUnreachable(false);

    await api.app.importJobs.idle();
    const job = await api.unitOfWork.run(({ imports }) => imports.get(id));
    expect(job).toMatchObject({ status: "succeeded", totalRows: 20_000, error: null });
    expect(await progress()).toMatchObject({ rowsDone: 20_000, created: 20_000, failed: 0 });
  });
});
