/**
 * Listing users: the query both repository adapters answer and the page they give back. The keyset-pagination
 * rules they share, with the cursor, are in ./user-pages.ts: the browser imports this file (the sort fields, the
 * page size), and the cursor's Node Buffer would bring Buffer's polyfill into the users page.
 */
import type { Role, UserStatus } from "./user";

export const USER_SORT_FIELDS = ["createdAt", "name", "email"] as const;
export type UserSortField = (typeof USER_SORT_FIELDS)[number];
export type SortDirection = "asc" | "desc";

export interface UserSort {
  field: UserSortField;
  direction: SortDirection;
}

export const DEFAULT_USER_SORT: UserSort = { field: "createdAt", direction: "desc" };
export const MAX_PAGE_SIZE = 200;

/**
 * A listing's total is counted exactly up to this many rows; past it the database's estimate is given instead
 * (flagged `exact: false`), so a filter matching a million rows costs no full count.
 */
export const EXACT_COUNT_LIMIT = 10_000;

export interface UserListQuery {
  /** Case-insensitive substring of the email or the name; blank means no filter. */
  search?: string;
  /** Keep users having any of these roles; empty or absent means all. */
  roles?: readonly Role[];
  /** Keep users having any of these statuses; empty or absent means all. */
  statuses?: readonly UserStatus[];
  /** Include soft-deleted users (they carry `deletedAt`). */
  includeDeleted?: boolean;
  sort: UserSort;
  /** 1..{@link MAX_PAGE_SIZE}. */
  limit: number;
  /** Opaque, from a previous {@link Page}'s `nextCursor` or `prevCursor`. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Cursor for the page after this one, or null on the last page. */
  nextCursor: string | null;
  /** Cursor for the page before this one, or null on the first page. */
  prevCursor: string | null;
}

/** The filter part of a listing: what a total counts. */
export type UserFilter = Pick<UserListQuery, "search" | "roles" | "statuses" | "includeDeleted">;

/** How many users match a filter: exact up to a limit, else the database's estimate. */
export interface UserCount {
  count: number;
  exact: boolean;
}

/** A page together with the total of the listing it belongs to. */
export interface CountedPage<T> extends Page<T> {
  total: UserCount;
}

/** A boundary row of the (sort column, id) order. `key` is the sort column's value as text. */
export interface KeysetPosition {
  key: string;
  id: string;
}
