/**
 * The data side of prisma/migrations/20261207090000_import_uploads_in_chunks (issue 18, item 7): the file of a job
 * still to run becomes an upload of one chunk attached to it, so it resumes after the upgrade as before; and the
 * repository reads it back whole. Run on PostgreSQL, from the migration before it.
 */
import { fileURLToPath } from "node:url";

import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";

import { loadConfig } from "../../config";
import { createDatabaseTestApp } from "../../composition-root";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres";
import { applyMigrations, pgSession, readMigrations } from "./migrator";

const MIGRATIONS = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));
const MIGRATION = "20261207090000_import_uploads_in_chunks";
const QUEUED = "019a0000-0000-7000-8000-0000000000a1";
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase("import_uploads_migration", { migrate: false });
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await database?.drop();
});

it("keeps the file of a job still to run as a one-chunk upload of that job", async () => {
  const all = await readMigrations(MIGRATIONS);
  const index = all.findIndex((migration) => migration.name === MIGRATION);
  expect(index).toBeGreaterThan(0);
  await applyMigrations(pgSession(client), all.slice(0, index));
  const file = "email,name\nkept@example.com,Kept\n";
  await client.query(
    `INSERT INTO import_jobs (id, actor_type, actor, actor_role, sha256, size_bytes, status, updated_at)
     VALUES ($1, 'system', 'system', 'ADMIN', repeat('0', 64), $2, 'queued', now())`,
    [QUEUED, file.length],
  );
  await client.query("INSERT INTO import_files (job_id, content) VALUES ($1, $2)", [QUEUED, file]);

  await applyMigrations(pgSession(client), all.slice(0, index + 1));
  const uploads = await client.query("SELECT id, job_id FROM import_uploads");
  expect(uploads.rows).toEqual([{ id: QUEUED, job_id: QUEUED }]);
  const chunks = await client.query("SELECT chunk_no, content FROM import_upload_chunks WHERE upload_id = $1", [QUEUED]);
  expect(chunks.rows).toEqual([{ chunk_no: 0, content: file }]);
  expect((await client.query("SELECT to_regclass('import_files') AS t")).rows[0].t).toBeNull();

  // The app opens only a database with every migration applied: those after this one too.
  await applyMigrations(pgSession(client), all);
  const { unitOfWork, app } = await createDatabaseTestApp(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent" }));
  try {
    const read = await unitOfWork.run(async ({ imports }) => ({
      chunks: await imports.fileChunks(QUEUED),
      first: await imports.fileChunk(QUEUED, 0),
      job: await imports.get(QUEUED),
    }));
    expect(read).toMatchObject({ chunks: 1, first: file, job: { status: "queued", paused: null } });
  } finally {
    await app.featureFlags.close();
    await app.database.close();
  }
});
