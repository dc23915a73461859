import * as z from "../domain/zod";

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
const repeatable = <T extends z.ZodMiniType>(item: T, message: string) => {
  const oneOrMany = z.union([item, z.array(item).check(z.maxLength(10))], { error: message });
  return z.optional(
    z.pipe(
      oneOrMany,
      z.transform((value: z.output<typeof oneOrMany>) => (Array.isArray(value) ? value : [value]) as z.output<T>[]),
    ),
  );
};

/** One value: a parameter given twice is an error rather than a silent pick. */
const single = (message: string) => z.string({ error: message });

const listUsersShape = {
  q: z
    .optional(single("q must be given once, as text of at most 200 characters").check(z.maxLength(200, "q must be at most 200 characters")))
    .check(z.meta({ description: "Case-insensitive substring of the email or the name.", example: "ada" })),
  role: repeatable(z.enum(ROLES), ROLE_MESSAGE).check(
    z.meta({ description: "Keep users with any of these roles; repeat the parameter for several (role=ADMIN&role=EDITOR)." }),
  ),
  status: repeatable(z.enum(USER_STATUSES), STATUS_MESSAGE).check(
    z.meta({ description: "Keep users with any of these statuses; repeat the parameter for several." }),
  ),
  sort: z
    ._default(z.enum(SORTS, { error: SORT_MESSAGE }), "-createdAt")
    .check(z.meta({ description: "Sort column; a leading - sorts descending. Ties are broken by id." })),
  includeDeleted: z
    .pipe(
      z._default(z.enum(["true", "false"], { error: "includeDeleted must be true or false" }), "false"),
      z.transform((value: "true" | "false") => value === "true"),
    )
    .check(z.meta({ description: "Also list soft-deleted users, with their deletedAt (ADMIN only)." })),
  cursor: z
    .optional(single(CURSOR_MESSAGE).check(z.minLength(1, CURSOR_MESSAGE), z.maxLength(1_000, CURSOR_MESSAGE)))
    .check(z.meta({ description: "nextCursor or prevCursor of a previous page, with the same filters and sort." })),
  limit: z
    ._default(
      z.coerce
        .number({ error: LIMIT_MESSAGE })
        .check(z.int(LIMIT_MESSAGE), z.minimum(1, LIMIT_MESSAGE), z.maximum(MAX_PAGE_SIZE, LIMIT_MESSAGE)),
      DEFAULT_PAGE_SIZE,
    )
    .check(z.meta({ description: `Users per page, 1 to ${MAX_PAGE_SIZE}.` })),
};

/** The parameters as parsed, before they become the use case's query ({@link toUserListQuery}). */
export const listUsersFields = z.strictObject(
  listUsersShape,
  // A mistyped parameter (search=, page_size=) would otherwise be ignored and return the unfiltered list.
  { error: (issue) => (issue.code === "unrecognized_keys" ? `Unknown parameter(s): ${issue.keys.join(", ")}; known: ${Object.keys(listUsersShape).join(", ")}` : undefined) },
);

/**
 * Query-string parameters of a user listing (GET /api/v1/users and the /users page), parsed into the use
 * case's query. An unknown parameter is an error naming the known ones, as is a present but invalid one (the page's
 * {@link parseListUsersParams} ignores unknown ones instead).
 */
export const listUsersParams = z.pipe(listUsersFields, z.transform(toUserListQuery));

/** The parsed parameters as the use case's query. */
export function toUserListQuery(params: z.output<typeof listUsersFields>): UserListQuery {
  return {
    search: params.q,
    roles: params.role,
    statuses: params.status,
    includeDeleted: params.includeDeleted,
    sort: sortOf(params.sort),
    limit: params.limit,
    cursor: params.cursor,
  };
}

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
