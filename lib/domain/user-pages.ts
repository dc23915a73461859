/**
 * The keyset-pagination rules both repository adapters share (the query and the page are in ./user-list.ts).
 *
 * Pages are cut on the total order (sort column, id): the id breaks ties, so a boundary is exact even when many
 * users share a name or a creation instant. A cursor names the row at the boundary and the way to go from it;
 * it also records the sort it was made for, so a cursor from one sort is refused under another. Server-side only
 * (Node's Buffer encodes the cursor).
 */
import * as z from "./zod";

import { InvalidCursorError } from "./errors";
import { decodePageCursor, encodePageCursor } from "./page-cursor";
import type { User } from "./user";
import {
  MAX_PAGE_SIZE,
  USER_SORT_FIELDS,
  type KeysetPosition,
  type Page,
  type SortDirection,
  type UserListQuery,
  type UserSort,
  type UserSortField,
} from "./user-list";

const cursorPayload = z
  .object({
    // Both absent on a cursor that starts from an end of the list: the one toPage gives an empty page.
    key: z.optional(z.string()),
    // Ids are UUIDs in every adapter; anything else would reach the database as a malformed uuid.
    id: z.optional(z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i))),
    field: z.enum(USER_SORT_FIELDS),
    direction: z.enum(["asc", "desc"]),
    towards: z.enum(["next", "prev"]),
  })
  .check(
    z.refine((c) => (c.key === undefined) === (c.id === undefined)),
    // A createdAt key must be the ISO form sortKey writes, or it neither parses nor orders as text.
    z.refine((c) => c.key === undefined || c.field !== "createdAt" || isIsoTimestamp(c.key)),
  );
type CursorPayload = z.infer<typeof cursorPayload>;

/**
 * What an adapter must fetch: up to `take` rows ordered by (sort column, id) in `scanDirection`, strictly
 * beyond `after` in that direction when it is set. {@link toPage} turns those rows into the page.
 */
export interface PagePlan {
  scanDirection: SortDirection;
  after: KeysetPosition | null;
  take: number;
  towards: "next" | "prev";
}

export function normalizedSearch(query: Pick<UserListQuery, "search">): string | null {
  const term = query.search?.trim() ?? "";
  return term === "" ? null : term;
}

/** The sort column's value as text; ISO timestamps and plain strings both order correctly as text. */
export function sortKey(user: User, field: UserSortField): string {
  return field === "createdAt" ? user.createdAt.toISOString() : user[field];
}

export function planPage(query: UserListQuery): PagePlan {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_SIZE) {
    // Callers validate input (lib/http schemas); this guards the adapters against an unbounded fetch.
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, not ${query.limit}`);
  }
  const take = query.limit + 1; // one extra row tells whether another page follows
  if (query.cursor === undefined) {
    return { scanDirection: query.sort.direction, after: null, take, towards: "next" };
  }
  const cursor = decodeCursor(query.cursor, query.sort);
  const scanDirection =
    cursor.towards === "next" ? query.sort.direction : reverse(query.sort.direction);
  // Without a position the scan starts from the list's end in its direction: the first or the last page.
  const after = cursor.key !== undefined && cursor.id !== undefined ? { key: cursor.key, id: cursor.id } : null;
  return { scanDirection, after, take, towards: cursor.towards };
}

/** Builds the page from the rows an adapter fetched for `plan`, in the order it fetched them. */
export function toPage(rows: readonly User[], query: UserListQuery, plan: PagePlan): Page<User> {
  const more = rows.length > query.limit;
  const fetched = rows.slice(0, query.limit);
  const items = plan.towards === "next" ? fetched : fetched.reverse();
  const first = items[0];
  const last = items[items.length - 1];
  /** A cursor from `user` towards `towards`; without a user, from the list's far end (see below). */
  const cursor = (towards: "next" | "prev", user?: User): string =>
    encodePageCursor({ ...(user && { key: sortKey(user, query.sort.field), id: user.id }), ...query.sort, towards });

  if (first === undefined || last === undefined) {
    if (plan.after === null) return { items, nextCursor: null, prevCursor: null }; // no rows at all
    // Nothing lies beyond the cursor's row any more (rows deleted or changed since it was issued). The way
    // back must include that row itself, which a cursor from it (exclusive) would skip. At the time of this
    // query "the rows before this empty page" are simply the last page of the list (or, walking backwards, the
    // first), so the way back is a cursor from that end; it needs no inclusive bound in the adapters.
    return plan.towards === "next"
      ? { items, nextCursor: null, prevCursor: cursor("prev") }
      : { items, nextCursor: cursor("next"), prevCursor: null };
  }
  if (plan.towards === "next") {
    return {
      items,
      nextCursor: more ? cursor("next", last) : null,
      prevCursor: plan.after ? cursor("prev", first) : null,
    };
  }
  return {
    items,
    // A backward scan from a position came from a later page; one from the end (no position) is the last page.
    nextCursor: plan.after ? cursor("next", last) : null,
    prevCursor: more ? cursor("prev", first) : null,
  };
}

/** Compares two rows' positions in the (sort column, id) order, ascending. */
export function compareByKeyset(a: KeysetPosition, b: KeysetPosition): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

function isIsoTimestamp(key: string): boolean {
  const time = Date.parse(key);
  return !Number.isNaN(time) && new Date(time).toISOString() === key;
}

function reverse(direction: SortDirection): SortDirection {
  return direction === "asc" ? "desc" : "asc";
}

function decodeCursor(cursor: string, sort: UserSort): CursorPayload {
  const payload = decodePageCursor(cursor, cursorPayload, "not a cursor this service issued");
  if (payload.field !== sort.field || payload.direction !== sort.direction) {
    throw new InvalidCursorError(
      `it belongs to sort ${payload.field} ${payload.direction}, not ${sort.field} ${sort.direction}`,
    );
  }
  return payload;
}
