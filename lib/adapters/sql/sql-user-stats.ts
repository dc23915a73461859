/**
 * The users' read model in SQL (issue 21, docs/decisions/018-user-stats-read-model.md): statements on the
 * `user_stat_deltas` table that triggers on `users` fill (migration 20261209090000), shared by the query side
 * (SqlUserQueries) and the Prisma write side (compaction and rebuild in the clean-up and `npm run stats:rebuild`).
 */
import { ROLES, USER_STATUSES } from "../../domain/user";
import { utcDay } from "../../domain/days";
import type { UserStatsCounts } from "../../ports/user-repository";

/**
 * Every key's count, signup days before $1 (`YYYY-MM-DD`) left out: a sum over one row per key once compacted,
 * plus the deltas written since.
 */
export const READ_USER_STATS = `SELECT key, sum(n)::int AS n FROM user_stat_deltas
  WHERE key NOT LIKE 'signup:%' OR key >= 'signup:' || $1 GROUP BY key`;

/**
 * Replaces the deltas it sees by one row per key (none for a key that sums to 0), in one statement, and answers
 * how many rows fewer the table has. Deltas committed meanwhile are not in its snapshot and stay as they are; a
 * second compaction at the same time waits on the rows the first deletes and then skips them: the sums never
 * change.
 */
export const COMPACT_USER_STATS = `WITH folded AS (DELETE FROM user_stat_deltas RETURNING key, n),
  summed AS (INSERT INTO user_stat_deltas (key, n) SELECT key, sum(n) FROM folded GROUP BY key HAVING sum(n) <> 0 RETURNING 1)
  SELECT ((SELECT count(*) FROM folded) - (SELECT count(*) FROM summed))::int AS n`;

/**
 * Recounts from `users`, in one transaction: SHARE mode lets reads go on and makes user writes wait, so no
 * delta is written between the delete and the recount.
 */
export const REBUILD_USER_STATS = [
  `LOCK TABLE users IN SHARE MODE`,
  `DELETE FROM user_stat_deltas`,
  `INSERT INTO user_stat_deltas (key, n)
    SELECT k.key, count(*) FROM users u, user_stat_keys(u.status, u.role, u.deleted_at, u.created_at) k GROUP BY k.key`,
] as const;

export function userStatsFrom(rows: readonly { key: string; n: number }[]): UserStatsCounts {
  const counts = new Map(rows.map((row) => [row.key, Number(row.n)]));
  const byStatus = Object.fromEntries(USER_STATUSES.map((status) => [status, counts.get(`status:${status}`) ?? 0]));
  const byRole = Object.fromEntries(ROLES.map((role) => [role, counts.get(`role:${role}`) ?? 0]));
  const signupsPerDay = [...counts]
    .filter(([key, count]) => key.startsWith("signup:") && count !== 0)
    .map(([key, count]) => ({ day: key.slice("signup:".length), count }))
    .sort((a, b) => (a.day < b.day ? -1 : 1));
  return { byStatus, byRole, signupsPerDay } as UserStatsCounts;
}

/** READ_USER_STATS's parameter. */
export const statsSince = (since: Date): string => utcDay(since);
