import { z } from "zod";

import { DEFAULT_USER_SORT, MAX_PAGE_SIZE, type UserListQuery } from "../domain/user-list";

export const DEFAULT_PAGE_SIZE = 20;

// Shown to whoever typed the address: each says what the parameter must be, whichever rule it broke.
const LIMIT_MESSAGE = `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
const CURSOR_MESSAGE = 'cursor must be the value from a "next" or "previous" link (1 to 1000 characters)';

/**
 * Query-string parameters of a user listing (the /users page now, the REST API later), parsed into the
 * use case's query. Unknown parameters are ignored; a present but invalid one is an error naming it.
 */
export const listUsersParams = z.object({
  cursor: z.string({ error: CURSOR_MESSAGE }).min(1, CURSOR_MESSAGE).max(1_000, CURSOR_MESSAGE).optional(),
  limit: z.coerce
    .number({ error: LIMIT_MESSAGE })
    .int(LIMIT_MESSAGE)
    .min(1, LIMIT_MESSAGE)
    .max(MAX_PAGE_SIZE, LIMIT_MESSAGE)
    .default(DEFAULT_PAGE_SIZE),
});

export type ListUsersParams = z.infer<typeof listUsersParams>;

/** Search params as Next hands them to a page: a repeated parameter arrives as an array; the first wins. */
export function parseListUsersParams(
  searchParams: Record<string, string | string[] | undefined>,
): { ok: true; query: UserListQuery } | { ok: false; problems: string[] } {
  const single = Object.fromEntries(
    Object.entries(searchParams).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]),
  );
  const result = listUsersParams.safeParse(single);
  if (!result.success) {
    // The messages name their parameter; one broken in several ways is still one problem.
    return { ok: false, problems: [...new Set(result.error.issues.map((issue) => issue.message))] };
  }
  return { ok: true, query: { sort: DEFAULT_USER_SORT, limit: result.data.limit, cursor: result.data.cursor } };
}
