import { DAY_MS, utcDay } from "../domain/days";
import type { Role, UserStatus } from "../domain/user";
import { EXACT_COUNT_LIMIT, type UserCount } from "../domain/user-list";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";

/** Days of signups the dashboard charts: today (UTC) and the 89 before it. */
export const SIGNUP_DAYS = 90;

export interface UserStats {
  /** One entry per day, oldest first, days without signups at 0. */
  signupsPerDay: { day: string; count: number }[];
  /** Users (not deleted), each exact up to {@link EXACT_COUNT_LIMIT} and estimated past it. */
  byStatus: Record<UserStatus, UserCount>;
  byRole: Record<Role, UserCount>;
}

export type GetUserStats = (options?: { signal?: AbortSignal }) => Promise<UserStats>;

/** The dashboard's charts of users (issue 7): signups per day over {@link SIGNUP_DAYS} days, users by status and by role. */
export function makeGetUserStats({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): GetUserStats {
  return (options = {}) =>
    unitOfWork.run(
      async ({ users }) => {
        const days = lastDays(clock.now(), SIGNUP_DAYS);
        const first = days[0] ?? "";
        const counted = new Map((await users.signupsPerDay(new Date(`${first}T00:00:00.000Z`))).map((entry) => [entry.day, entry.count]));
        // One statement after another: a unit of work is one connection.
        const status = (value: UserStatus) => users.count({ statuses: [value] }, { exactUpTo: EXACT_COUNT_LIMIT });
        const role = (value: Role) => users.count({ roles: [value] }, { exactUpTo: EXACT_COUNT_LIMIT });
        const byStatus = { ACTIVE: await status("ACTIVE"), DISABLED: await status("DISABLED"), INVITED: await status("INVITED") };
        const byRole = { ADMIN: await role("ADMIN"), EDITOR: await role("EDITOR"), VIEWER: await role("VIEWER") };
        return { signupsPerDay: days.map((day) => ({ day, count: counted.get(day) ?? 0 })), byStatus, byRole };
      },
      { signal: options.signal },
    );
}

/** The `count` UTC days ending with `now`'s, oldest first, as `YYYY-MM-DD`. */
function lastDays(now: Date, count: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) => utcDay(new Date(today - (count - 1 - i) * DAY_MS)));
}
