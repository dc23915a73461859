import { DAY_MS, utcDay } from "../domain/days";
import type { Role, UserStatus } from "../domain/user";
import type { UserCount } from "../domain/user-list";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";

/** Days of signups the dashboard charts: today (UTC) and the 89 before it. */
export const SIGNUP_DAYS = 90;

export interface UserStats {
  /** One entry per day, oldest first, days without signups at 0. */
  signupsPerDay: { day: string; count: number }[];
  /** Users (not deleted), exact at any size (the read model, docs/decisions/018). */
  byStatus: Record<UserStatus, UserCount>;
  byRole: Record<Role, UserCount>;
}

export type GetUserStats = (context: CallContext) => Promise<UserStats>;

/**
 * The dashboard's charts of users (issue 7): signups per day over {@link SIGNUP_DAYS} days, users by status and by
 * role. One read of the read model (issue 21): its cost does not grow with the users table.
 */
export function makeGetUserStats({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): GetUserStats {
  return async ({ signal }) => {
    const days = lastDays(clock.now(), SIGNUP_DAYS);
    const first = days[0] ?? "";
    const stats = await unitOfWork.read(({ users }) => users.stats(new Date(`${first}T00:00:00.000Z`)), { signal });
    const counted = new Map(stats.signupsPerDay.map((entry) => [entry.day, entry.count]));
    const exact = <K extends string>(counts: Record<K, number>) =>
      Object.fromEntries(Object.entries<number>(counts).map(([key, count]) => [key, { count, exact: true }])) as Record<K, UserCount>;
    return {
      signupsPerDay: days.map((day) => ({ day, count: counted.get(day) ?? 0 })),
      byStatus: exact(stats.byStatus),
      byRole: exact(stats.byRole),
    };
  };
}

/** The `count` UTC days ending with `now`'s, oldest first, as `YYYY-MM-DD`. */
function lastDays(now: Date, count: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) => utcDay(new Date(today - (count - 1 - i) * DAY_MS)));
}
