/**
 * React Query keys shared by components that read and change the same data. Everything about users lives under
 * `["users"]`, so one invalidation after any change to a user refreshes every view of them: the table's pages
 * and each user's overview.
 */

/** Every query about users starts with this; invalidate it after any change to a user. */
export const USERS_KEY = ["users"] as const;

/** Every cached page of the users table: `[...USER_LISTS_KEY, queryString]` (components/users-view.tsx). */
export const USER_LISTS_KEY = ["users", "list"] as const;

/** One user's overview (their page, components/user-overview.tsx). */
export function userOverviewKey(id: string) {
  return ["users", "overview", id] as const;
}
