import { z } from "zod";

import { ROLES, USER_STATUSES } from "../domain/user";
import { MAX_PAGE_SIZE, USER_SORT_FIELDS, type UserListQuery, type UserSort } from "../domain/user-list";

export const DEFAULT_PAGE_SIZE = 20;

// Shown to whoever typed the address: each says what the parameter must be, whichever rule it broke.
const LIMIT_MESSAGE = `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
const CURSOR_MESSAGE = 'cursor must be the value from a "next" or "previous" link (1 to 1000 characters)';
const SORTS = USER_SORT_FIELDS.flatMap((field) => [field, `-${field}`] as const);
const SORT_MESSAGE = `sort must be one of ${SORTS.join(", ")} (a leading - sorts descending)`;

/** A parameter that may be repeated (`role=ADMIN&role=EDITOR`) or given once: always a list. */
const repeatable = <T extends z.ZodType>(item: T) =>
  z
    .union([item, z.array(item).max(10)])
    .transform((value): z.infer<T>[] => (Array.isArray(value) ? value : [value]))
    .optional();

/** One value: a parameter given twice is an error rather than a silent pick. */
const single = (message: string) => z.string({ error: message });

/**
 * Query-string parameters of a user listing (GET /api/v1/users and the /users page), parsed into the use
 * case's query. Unknown parameters are ignored; a present but invalid one is an error naming it.
 */
export const listUsersParams = z
  .object({
    q: single("q must be given once, as text of at most 200 characters")
      .max(200, "q must be at most 200 characters")
      .optional(),
    role: repeatable(z.enum(ROLES, { error: `role must be one of ${ROLES.join(", ")}` })),
    status: repeatable(z.enum(USER_STATUSES, { error: `status must be one of ${USER_STATUSES.join(", ")}` })),
    sort: z.enum(SORTS, { error: SORT_MESSAGE }).default("-createdAt"),
    includeDeleted: z
      .enum(["true", "false"], { error: "includeDeleted must be true or false" })
      .default("false")
      .transform((value) => value === "true"),
    cursor: single(CURSOR_MESSAGE).min(1, CURSOR_MESSAGE).max(1_000, CURSOR_MESSAGE).optional(),
    limit: z.coerce
      .number({ error: LIMIT_MESSAGE })
      .int(LIMIT_MESSAGE)
      .min(1, LIMIT_MESSAGE)
      .max(MAX_PAGE_SIZE, LIMIT_MESSAGE)
      .default(DEFAULT_PAGE_SIZE),
  })
  .transform(
    (params): UserListQuery => ({
      search: params.q,
      roles: params.role,
      statuses: params.status,
      includeDeleted: params.includeDeleted,
      sort: sortOf(params.sort),
      limit: params.limit,
      cursor: params.cursor,
    }),
  );

/** `-name` is name descending; `email` is email ascending. */
function sortOf(sort: (typeof SORTS)[number]): UserSort {
  const direction = sort.startsWith("-") ? "desc" : "asc";
  const field = USER_SORT_FIELDS.find((candidate) => sort === candidate || sort === `-${candidate}`);
  if (field === undefined) throw new Error(`unreachable: ${sort} passed the enum of sorts`);
  return { field, direction };
}

/** The query-string form of a sort (the inverse of the parsing above). */
export function sortParam(sort: UserSort): string {
  return sort.direction === "desc" ? `-${sort.field}` : sort.field;
}

/** Search params as Next hands them to a page (a repeated parameter arrives as an array). */
export function parseListUsersParams(
  searchParams: Record<string, string | string[] | undefined>,
): { ok: true; query: UserListQuery } | { ok: false; problems: string[] } {
  const result = listUsersParams.safeParse(searchParams);
  if (!result.success) {
    // The messages name their parameter; one broken in several ways is still one problem.
    return { ok: false, problems: [...new Set(result.error.issues.map((issue) => issue.message))] };
  }
  return { ok: true, query: result.data };
}
