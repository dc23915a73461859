/**
 * React Query keys shared by components that read and change the same data, so a change invalidates every view
 * of it.
 */

/** Every query of the users list starts with this (the users table, issue 7). */
export const USERS_KEY = ["users"] as const;

/** One user's overview (their page); a change to the user invalidates it, as their audit entries grow too. */
export function userOverviewKey(id: string) {
  return ["user-overview", id] as const;
}
