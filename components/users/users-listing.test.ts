import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { exportHref, filterKey, listingQueryString, parseListingSearch } from "./users-listing";
import { DEFAULT_PAGE_SIZE } from "@/lib/api-contract/list-users-params";
import { ROLES, USER_STATUSES } from "@/lib/domain/user";
import { DEFAULT_USER_SORT, MAX_PAGE_SIZE, USER_SORT_FIELDS, type UserListQuery } from "@/lib/domain/user-list";

const FIRST_PAGE: UserListQuery = {
  search: undefined,
  roles: undefined,
  statuses: undefined,
  includeDeleted: false,
  sort: DEFAULT_USER_SORT,
  limit: DEFAULT_PAGE_SIZE,
  cursor: undefined,
};

const parse = (search: string) => parseListingSearch(new URLSearchParams(search));

describe("the users table's address", () => {
  it.each([
    ["", FIRST_PAGE],
    // Given once, `q` and `cursor` are strings (a list of one would be refused by the schema).
    ["q=ada&cursor=abc", { ...FIRST_PAGE, search: "ada", cursor: "abc" }],
    ["role=ADMIN&role=EDITOR&status=DISABLED", { ...FIRST_PAGE, roles: ["ADMIN", "EDITOR"], statuses: ["DISABLED"] }],
    ["role=VIEWER", { ...FIRST_PAGE, roles: ["VIEWER"] }],
    ["sort=-name&limit=50", { ...FIRST_PAGE, sort: { field: "name", direction: "desc" }, limit: 50 }],
  ])("reads %j as the server page does", (search, query) => {
    expect(parse(search)).toEqual({ ok: true, query });
  });

  it("refuses what the server page refuses, naming the parameter", () => {
    expect(parse("limit=0")).toMatchObject({ ok: false, problems: [expect.stringContaining("limit")] });
    expect(parse("q=a&q=b")).toMatchObject({ ok: false, problems: [expect.stringContaining("q must be given once")] });
  });

  it("writes the first page of the default view as no query string at all", () => {
    expect(listingQueryString(FIRST_PAGE)).toBe("");
    expect(exportHref(FIRST_PAGE)).toBe("/api/v1/users/export.csv");
  });

  it("round-trips every view: the address written for a query reads back as that query", () => {
    const subset = <T>(values: readonly T[]) =>
      fc.subarray([...values], { minLength: 1 }).chain((picked) => fc.constantFrom(undefined, picked));
    const query = fc.record({
      search: fc.option(fc.string({ minLength: 1, maxLength: 200 }), { nil: undefined }),
      roles: subset(ROLES),
      statuses: subset(USER_STATUSES),
      includeDeleted: fc.boolean(),
      sort: fc.record({ field: fc.constantFrom(...USER_SORT_FIELDS), direction: fc.constantFrom("asc" as const, "desc" as const) }),
      limit: fc.integer({ min: 1, max: MAX_PAGE_SIZE }),
      cursor: fc.option(fc.string({ minLength: 1, maxLength: 100 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(query, (original) => {
        expect(parse(listingQueryString(original))).toEqual({ ok: true, query: original });
      }),
    );
  });

  it("gives one filter key to every page and page size of one filtered view, and another to another filter", () => {
    const view = { ...FIRST_PAGE, search: "ada", roles: ["ADMIN" as const] };
    expect(filterKey({ ...view, cursor: "next", limit: 50 })).toBe(filterKey(view));
    expect(filterKey({ ...view, roles: ["EDITOR"] })).not.toBe(filterKey(view));
  });

  it("exports the filters and sort without page size or cursor (the export refuses those)", () => {
    const href = exportHref({ ...FIRST_PAGE, search: "ada", statuses: ["ACTIVE"], sort: { field: "email", direction: "asc" }, limit: 50, cursor: "c" });
    expect(href).toBe("/api/v1/users/export.csv?q=ada&status=ACTIVE&sort=email");
  });
});
