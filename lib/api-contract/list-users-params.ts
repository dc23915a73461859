import { z } from "zod";

import { ROLES, USER_STATUSES } from "../domain/user";
import { MAX_PAGE_SIZE, USER_SORT_FIELDS, type UserListQuery, type UserSort } from "../domain/user-list";

export const DEFAULT_PAGE_SIZE = 20;

// Shown to whoever typed the address: each says what the parameter must be, whichever rule it broke.
const LIMIT_MESSAGE = `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
const CURSOR_MESSAGE = 'cursor must be the value from a "next" or "previous" link (1 to 1000 characters)';
const SORTS = USER_SORT_FIELDS.flatMap((field) => [field, `-${field}`] as const);
const SORT_MESSAGE = `sort must be one of ${SORTS.join(", ")} (a leading - sorts descending)`;
const ROLE_MESSAGE = `role must be one of ${ROLES.join(", ")}`;
const STATUS_MESSAGE = `status must be one of ${USER_STATUSES.join(", ")}`;

/** A parameter that may be repeated (`role=ADMIN&role=EDITOR`) or given once: always a list. */
const repeatable = <T extends z.ZodType>(item: T, message: string) =>
  z
    .union([item, z.array(item).max(10)], { error: message })
    .transform((value): z.infer<T>[] => (Array.isArray(value) ? value : [value]))
    .optional();

/** One value: a parameter given twice is an error rather than a silent pick. */
const single = (message: string) => z.string({ error: message });

const listUsersShape = {
  q: single("q must be given once, as text of at most 200 characters")
    .max(200, "q must be at most 200 characters")
    .optional()
    .meta({ description: "Case-insensitive substring of the email or the name.", example: "ada" }),
  role: repeatable(z.enum(ROLES), ROLE_MESSAGE).meta({
    description: "Keep users with any of these roles; repeat the parameter for several (role=ADMIN&role=EDITOR).",
  }),
  status: repeatable(z.enum(USER_STATUSES), STATUS_MESSAGE).meta({
    description: "Keep users with any of these statuses; repeat the parameter for several.",
  }),
  sort: z
    .enum(SORTS, { error: SORT_MESSAGE })
    .default("-createdAt")
    .meta({ description: "Sort column; a leading - sorts descending. Ties are broken by id." }),
  includeDeleted: z
    .enum(["true", "false"], { error: "includeDeleted must be true or false" })
    .default("false")
    .transform((value) => value === "true")
    .meta({ description: "Also list soft-deleted users, with their deletedAt (ADMIN only)." }),
  cursor: single(CURSOR_MESSAGE)
    .min(1, CURSOR_MESSAGE)
    .max(1_000, CURSOR_MESSAGE)
    .optional()
    .meta({ description: "nextCursor or prevCursor of a previous page, with the same filters and sort." }),
  limit: z.coerce
    .number({ error: LIMIT_MESSAGE })
    .int(LIMIT_MESSAGE)
    .min(1, LIMIT_MESSAGE)
    .max(MAX_PAGE_SIZE, LIMIT_MESSAGE)
    .default(DEFAULT_PAGE_SIZE)
    .meta({ description: `Users per page, 1 to ${MAX_PAGE_SIZE}.` }),
};

/**
 * Query-string parameters of a user listing (GET /api/v1/users and the /users page), parsed into the use
 * case's query. Unknown parameters are ignored; a present but invalid one is an error naming it.
 */
export const listUsersParams = z
  .strictObject(
    listUsersShape,
    // A mistyped parameter (search=, page_size=) would otherwise be ignored and return the unfiltered list.
    { error: (issue) => (issue.code === "unrecognized_keys" ? `Unknown parameter(s): ${issue.keys.join(", ")}; known: ${Object.keys(listUsersShape).join(", ")}` : undefined) },
  )
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

/** Search params as Next hands them to a page (a repeated parameter arrives as an array); unknown ones ignored. */
export function parseListUsersParams(
  searchParams: Record<string, string | string[] | undefined>,
): { ok: true; query: UserListQuery } | { ok: false; problems: string[] } {
  // A page address may carry parameters of Next's own (and links from elsewhere): the page ignores what it
  // does not know, where the API refuses it.
  const known = Object.fromEntries(Object.entries(searchParams).filter(([key]) => Object.hasOwn(listUsersShape, key)));
  const result = listUsersParams.safeParse(known);
  if (!result.success) {
    // The messages name their parameter; one broken in several ways is still one problem.
    return { ok: false, problems: [...new Set(result.error.issues.map((issue) => issue.message))] };
  }
  return { ok: true, query: result.data };
}
