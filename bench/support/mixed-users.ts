import type pg from "pg";

/**
 * Inserts `count` users straight into the users table, as the listing benches (api.ts, users-total.ts) load
 * them: `user<g>@load.example`, a quarter ADMIN, a quarter EDITOR and half VIEWER, a third DISABLED, created a
 * second apart (user 1 the newest).
 */
export async function insertMixedUsers(sql: pg.Client, count: number): Promise<void> {
  await sql.query(
    `INSERT INTO users (id, email, name, role, status, updated_at, created_at)
     SELECT gen_random_uuid(), 'user' || g || '@load.example', 'User ' || g,
            (ARRAY['ADMIN','EDITOR','VIEWER','VIEWER'])[1 + g % 4]::"Role",
            (ARRAY['ACTIVE','ACTIVE','DISABLED'])[1 + g % 3]::"UserStatus",
            now(), now() - (g || ' seconds')::interval
     FROM generate_series(1, $1::int) AS g`,
    [count],
  );
}
