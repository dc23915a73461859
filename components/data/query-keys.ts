/**
 * React Query keys shared by components that read and change the same data, and by the live console, which
 * invalidates them as changes commit (components/data/live-invalidation.ts). Everything about users lives under
 * `["users"]`, so one invalidation after any change to a user refreshes every view of them: the table's pages
 * and each user's overview.
 */

/** Every query about users starts with this; invalidate it after any change to a user. */
export const USERS_KEY = ["users"] as const;

/** Every cached page of the users table: `[...USER_LISTS_KEY, queryString]` (components/users/users-view.tsx). */
export const USER_LISTS_KEY = ["users", "list"] as const;

/** One user's overview (their page, components/users/user-overview.tsx). */
export function userOverviewKey(id: string) {
  return ["users", "overview", id] as const;
}

/** The dashboard's counts (components/dashboard/user-charts.tsx). */
export const USER_STATS_KEY = ["user-stats"] as const;

/** Feature flags: the list, each flag, its history (components/flags/flag-api.tsx). */
export const FLAGS_KEY = ["flags"] as const;

/** The variations a user gets (components/flags/my-flags.tsx, the user page's flags). */
export const USER_FLAGS_KEY = ["user-flags"] as const;

/** API tokens (components/tokens/api-tokens.tsx). */
export const TOKENS_KEY = ["tokens"] as const;

/** CSV imports (components/imports/imports.tsx). */
export const IMPORTS_KEY = ["imports"] as const;

/** The audit log's pages (components/audit/audit-log.tsx): every change writes an entry. */
export const AUDIT_KEY = ["audit-events"] as const;
