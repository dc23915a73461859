"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";

import { DEFAULT_PAGE_SIZE, parseListUsersParams, sortParam } from "@/lib/api-contract/list-users-params";
import type { UserListQuery } from "@/lib/domain/user-list";

/**
 * The users table's view (search, filters, sort, page size, cursor) lives in the address, so a view can be shared
 * and survives a reload (issue 7). The address is parsed by the same schema as on the server page and in
 * GET /api/v1/users (lib/api-contract/list-users-params.ts): one reading of `?q=&role=&status=&sort=&limit=&cursor=`.
 */

/**
 * The view an address names, read as the server page reads it: a repeated parameter as a list, one given once as
 * a string (`q` and `cursor` must be given once, so a list of one would be refused).
 */
export function parseListingSearch(searchParams: Pick<URLSearchParams, "keys" | "getAll">): ReturnType<typeof parseListUsersParams> {
  const record: Record<string, string | string[]> = {};
  for (const key of new Set(searchParams.keys())) {
    const values = searchParams.getAll(key);
    record[key] = values.length === 1 ? (values[0] ?? "") : values;
  }
  return parseListUsersParams(record);
}

/** The query's canonical query string: defaults left out, so one view has one address and one cache key. */
export function listingQueryString(query: UserListQuery): string {
  const params = new URLSearchParams();
  if (query.search) params.set("q", query.search);
  for (const role of query.roles ?? []) params.append("role", role);
  for (const status of query.statuses ?? []) params.append("status", status);
  const sort = sortParam(query.sort);
  if (sort !== "-createdAt") params.set("sort", sort);
  if (query.includeDeleted) params.set("includeDeleted", "true");
  if (query.limit !== DEFAULT_PAGE_SIZE) params.set("limit", String(query.limit));
  if (query.cursor) params.set("cursor", query.cursor);
  return params.toString();
}

/** GET /api/v1/users/export.csv of what the query matches, in its sort: no page size and no cursor, it has every match. */
export function exportHref(query: UserListQuery): string {
  const params = listingQueryString({ ...query, cursor: undefined, limit: DEFAULT_PAGE_SIZE });
  return params ? `/api/v1/users/export.csv?${params}` : "/api/v1/users/export.csv";
}

/** The filter part of a query (what "all N matching" means): a change to it starts a new selection. */
export function filterKey(query: UserListQuery): string {
  return listingQueryString({ ...query, cursor: undefined, limit: DEFAULT_PAGE_SIZE });
}

/** Whether the query narrows the listing at all (for the empty state: "no users" or "none match"). */
export function isFiltered(query: UserListQuery): boolean {
  return Boolean(query.search) || (query.roles?.length ?? 0) > 0 || (query.statuses?.length ?? 0) > 0;
}

export type ListingChange = Partial<Omit<UserListQuery, "cursor">>;

/**
 * The current view from the address, and `navigate` to change it. Navigation uses the History API, which Next's
 * router follows (useSearchParams updates) without asking the server to render the page again: the table's
 * data comes from React Query, so only the API is called. A change of filters, sort or page size goes back to the
 * first page; `replace` is for typing in the search box, which should not leave one history entry per pause.
 */
export function useUsersListing(initial: UserListQuery) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const parsed = useMemo(() => parseListingSearch(searchParams), [searchParams]);
  // The server page refuses an address that does not parse, so a bad one can only come from a hand-edited history
  // entry: say what is wrong (`problems`) and keep the last good view underneath rather than crash.
  const query = parsed.ok ? parsed.query : initial;
  const problems = parsed.ok ? null : parsed.problems;

  const go = useCallback(
    (next: UserListQuery, { replace = false }: { replace?: boolean } = {}) => {
      const search = listingQueryString(next);
      const url = search ? `${pathname}?${search}` : pathname;
      if (replace) window.history.replaceState(null, "", url);
      else window.history.pushState(null, "", url);
    },
    [pathname],
  );

  const navigate = useCallback(
    (change: ListingChange, options?: { replace?: boolean }) => go({ ...query, ...change, cursor: undefined }, options),
    [go, query],
  );
  const toPage = useCallback((cursor: string) => go({ ...query, cursor }), [go, query]);
  const pageHref = useCallback((cursor: string) => `${pathname}?${listingQueryString({ ...query, cursor })}`, [pathname, query]);

  return { query, problems, navigate, toPage, pageHref };
}
