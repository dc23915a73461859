import { z } from "zod";

import { DEFAULT_USER_SORT, MAX_PAGE_SIZE, type UserListQuery } from "../domain/user-list";

export const DEFAULT_PAGE_SIZE = 20;

/**
 * Query-string parameters of a user listing (the /users page now, the REST API later), parsed into the
 * use case's query. Unknown parameters are ignored; a present but invalid one is an error naming it.
 */
export const listUsersParams = z.object({
  cursor: z.string().min(1).max(1_000).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
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
    return { ok: false, problems: result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) };
  }
  return { ok: true, query: { sort: DEFAULT_USER_SORT, limit: result.data.limit, cursor: result.data.cursor } };
}
