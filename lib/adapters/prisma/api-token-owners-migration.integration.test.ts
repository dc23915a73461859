/**
 * The data side of prisma/migrations/20261206210000_api_token_owners (issue 18): tokens made before tokens had
 * owners get the user their `created_by` names, those whose owner is not found or is no longer an active ADMIN are
 * revoked, and every token expires within 90 days. Run on PostgreSQL, from the migration before it.
 */
import { fileURLToPath } from "node:url";

import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres";
import { applyMigrations, pgSession, readMigrations } from "./migrator";

const MIGRATIONS = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));
const MIGRATION = "20261206210000_api_token_owners";
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase("token_owners_migration", { migrate: false });
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await database?.drop();
});

it("gives legacy tokens their owner, revokes the ownerless and those of former admins, and an expiry", async () => {
  const all = await readMigrations(MIGRATIONS);
  const index = all.findIndex((migration) => migration.name === MIGRATION);
  expect(index).toBeGreaterThan(0);
  await applyMigrations(pgSession(client), all.slice(0, index));

  const user = async (email: string, role: string, status: string, deleted = false) =>
    (
      await client.query<{ id: string }>(
        `INSERT INTO users (id, email, name, role, status, updated_at, deleted_at)
         VALUES (gen_random_uuid(), $1, $1, $2::"Role", $3::"UserStatus", now(), CASE WHEN $4::boolean THEN now() END) RETURNING id`,
        [email, role, status, deleted],
      )
    ).rows[0]?.id;
  const admin = await user("admin@example.com", "ADMIN", "ACTIVE");
  const demoted = await user("demoted@example.com", "EDITOR", "ACTIVE");
  const disabled = await user("disabled@example.com", "ADMIN", "DISABLED");
  const deleted = await user("deleted@example.com", "ADMIN", "ACTIVE", true);

  const token = (name: string, createdBy: string, expires: string | null, revoked = false) =>
    client.query(
      `INSERT INTO api_tokens (id, name, role, secret_hash, prefix, created_by, expires_at, revoked_at)
       VALUES (gen_random_uuid(), $1::text, 'ADMIN', md5($1::text) || md5($1::text), 'uct_x', $2, $3::timestamptz,
               CASE WHEN $4::boolean THEN timestamptz '2026-01-01 00:00:00+00' END)`,
      [name, createdBy, expires, revoked],
    );
  await token("kept", "Admin@Example.com", null); // created_by as typed then: matched case-insensitively
  await token("short", "admin@example.com", "2026-12-31T00:00:00Z");
  await token("long", "admin@example.com", "2099-01-01T00:00:00Z");
  await token("of-demoted", "demoted@example.com", null);
  await token("of-disabled", "disabled@example.com", null);
  await token("of-deleted", "deleted@example.com", null);
  await token("of-nobody", "gone@example.com", null);
  await token("revoked-before", "admin@example.com", null, true);

  await applyMigrations(pgSession(client), all.slice(0, index + 1));

  const rows = (
    await client.query<{ name: string; owner_id: string | null; revoked: boolean; revoked_at: Date | null; days: number }>(
      `SELECT name, owner_id, revoked_at IS NOT NULL AS revoked, revoked_at,
              round(extract(epoch FROM expires_at - now()) / 86400)::int AS days
       FROM api_tokens ORDER BY name`,
    )
  ).rows;
  const byName = Object.fromEntries(rows.map((row) => [row.name, row]));
  expect(byName.kept).toMatchObject({ owner_id: admin, revoked: false, days: 90 });
  expect(byName.short).toMatchObject({ owner_id: admin, revoked: false });
  expect(byName.short?.days).toBeLessThan(90);
  expect(byName.long).toMatchObject({ owner_id: admin, revoked: false, days: 90 });
  expect(byName["of-demoted"]).toMatchObject({ owner_id: demoted, revoked: true });
  expect(byName["of-disabled"]).toMatchObject({ owner_id: disabled, revoked: true });
  expect(byName["of-deleted"]).toMatchObject({ owner_id: deleted, revoked: true });
  expect(byName["of-nobody"]).toMatchObject({ owner_id: null, revoked: true });
  // A token revoked earlier keeps the time it was revoked.
  expect(byName["revoked-before"]?.revoked_at).toEqual(new Date("2026-01-01T00:00:00Z"));
  // And the column now refuses a token without an expiry.
  await expect(
    client.query(
      `INSERT INTO api_tokens (id, name, role, secret_hash, prefix, created_by) VALUES (gen_random_uuid(), 'x', 'ADMIN', repeat('f', 64), 'uct_x', 'x')`,
    ),
  ).rejects.toThrow(/expires_at/);
});
