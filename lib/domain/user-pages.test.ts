import { describe, expect, it } from "vitest";

import type { User } from "./user";
import {
  MAX_PAGE_SIZE,
  type UserListQuery,
} from "./user-list";
import { compareByKeyset, normalizedSearch, planPage, sortKey, toPage } from "./user-pages";

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function user(n: number, overrides: Partial<User> = {}): User {
  return {
    id: uuid(n),
    email: `user${n}@example.com`,
    name: `User ${n}`,
    role: "VIEWER",
    status: "ACTIVE",
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
    updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
    version: 1,
    deletedAt: null,
    ...overrides,
  };
}

const query = (overrides: Partial<UserListQuery> = {}): UserListQuery => ({
  sort: { field: "name", direction: "asc" },
  limit: 2,
  ...overrides,
});

/** What an adapter does with a plan, over an in-memory table: the reference the adapters must match. */
function fetch(rows: readonly User[], q: UserListQuery) {
  const plan = planPage(q);
  const sign = plan.scanDirection === "asc" ? 1 : -1;
  const pos = (u: User) => ({ key: sortKey(u, q.sort.field), id: u.id });
  const fetched = rows
    .filter((u) => plan.after === null || sign * compareByKeyset(pos(u), plan.after) > 0)
    .sort((a, b) => sign * compareByKeyset(pos(a), pos(b)))
    .slice(0, plan.take);
  return toPage(fetched, q, plan);
}

describe("normalizedSearch", () => {
  it.each([
    [undefined, null],
    ["", null],
    ["   ", null],
    ["  ada ", "ada"],
    ["50%", "50%"],
  ])("turns %j into %j", (search, expected) => {
    expect(normalizedSearch({ search })).toBe(expected);
  });
});

describe("sortKey", () => {
  it("uses the ISO timestamp for createdAt, so text order is time order", () => {
    const early = user(1, { createdAt: new Date("2025-12-31T23:59:59.999Z") });
    const late = user(2, { createdAt: new Date("2026-01-01T00:00:00.000Z") });
    expect(sortKey(early, "createdAt")).toBe("2025-12-31T23:59:59.999Z");
    expect(sortKey(early, "createdAt") < sortKey(late, "createdAt")).toBe(true);
    expect(sortKey(early, "email")).toBe("user1@example.com");
    expect(sortKey(early, "name")).toBe("User 1");
  });
});

describe("compareByKeyset", () => {
  it.each([
    [{ key: "a", id: uuid(2) }, { key: "b", id: uuid(1) }, -1],
    [{ key: "b", id: uuid(1) }, { key: "a", id: uuid(2) }, 1],
    [{ key: "a", id: uuid(1) }, { key: "a", id: uuid(2) }, -1],
    [{ key: "a", id: uuid(2) }, { key: "a", id: uuid(1) }, 1],
    [{ key: "a", id: uuid(1) }, { key: "a", id: uuid(1) }, 0],
  ])("orders by key, then id: %j vs %j", (a, b, expected) => {
    expect(Math.sign(compareByKeyset(a, b))).toBe(expected);
  });
});

describe("planPage", () => {
  it("fetches one row more than the limit, in the sort's direction, from the start without a cursor", () => {
    expect(planPage(query({ sort: { field: "email", direction: "desc" }, limit: 10 }))).toEqual({
      scanDirection: "desc",
      after: null,
      take: 11,
      towards: "next",
    });
  });

  it.each([0, -1, 1.5, MAX_PAGE_SIZE + 1, Number.NaN])("refuses a limit of %s", (limit) => {
    expect(() => planPage(query({ limit }))).toThrow(RangeError);
  });

  it("scans backwards from a prev cursor's row, and forwards from a next cursor's row", () => {
    const rows = [1, 2, 3, 4, 5].map((n) => user(n));
    const second = fetch(rows, query({ cursor: fetch(rows, query()).nextCursor ?? undefined }));
    const prev = planPage(query({ cursor: second.prevCursor ?? undefined }));
    expect(prev).toMatchObject({
      scanDirection: "desc",
      towards: "prev",
      after: { key: "User 3", id: uuid(3) },
    });
    const next = planPage(query({ cursor: second.nextCursor ?? undefined }));
    expect(next).toMatchObject({
      scanDirection: "asc",
      towards: "next",
      after: { key: "User 4", id: uuid(4) },
    });
  });

  const encode = (payload: object) => Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  const valid = { key: "User 1", id: uuid(1), field: "name", direction: "asc", towards: "next" };
  const byName = { field: "name", direction: "asc" } as const;
  it.each([
    ["garbage", "%%%not-base64%%%", byName],
    ["not JSON", Buffer.from("{oops", "utf8").toString("base64url"), byName],
    ["a missing field", encode({ ...valid, towards: undefined }), byName],
    ["an unknown direction", encode({ ...valid, towards: "sideways" }), byName],
    ["an id that is not a UUID", encode({ ...valid, id: "1; DROP TABLE users" }), byName],
    ["a key without an id", encode({ ...valid, id: undefined }), byName],
    ["an id without a key", encode({ ...valid, key: undefined }), byName],
    ["another sort field", encode({ ...valid, field: "email" }), byName],
    ["another sort direction", encode({ ...valid, direction: "desc" }), byName],
    [
      "a createdAt key that is not an ISO timestamp",
      encode({ ...valid, field: "createdAt", key: "yesterday" }),
      { field: "createdAt", direction: "asc" } as const,
    ],
  ])("refuses a cursor with %s (INVALID_CURSOR)", (_, cursor, sort) => {
    expect(() => planPage(query({ cursor, sort }))).toThrow(
      expect.objectContaining({ code: "INVALID_CURSOR" }),
    );
  });

  it("accepts the cursor it was given back (round trip)", () => {
    const rows = [1, 2, 3].map((n) => user(n));
    for (const field of ["createdAt", "name", "email"] as const) {
      const first = fetch(rows, query({ sort: { field, direction: "desc" } }));
      expect(() =>
        planPage(query({ sort: { field, direction: "desc" }, cursor: first.nextCursor ?? undefined })),
      ).not.toThrow();
    }
  });
});

describe("toPage", () => {
  const rows = [1, 2, 3, 4, 5].map((n) => user(n));
  const ids = (items: readonly User[]) => items.map((u) => u.id);

  it("walks forward to the last page and back to the first with exact boundaries", () => {
    const p1 = fetch(rows, query());
    expect(ids(p1.items)).toEqual([uuid(1), uuid(2)]);
    expect(p1.prevCursor).toBeNull();
    const p2 = fetch(rows, query({ cursor: p1.nextCursor ?? undefined }));
    expect(ids(p2.items)).toEqual([uuid(3), uuid(4)]);
    const p3 = fetch(rows, query({ cursor: p2.nextCursor ?? undefined }));
    expect(ids(p3.items)).toEqual([uuid(5)]);
    expect(p3.nextCursor).toBeNull();
    const back2 = fetch(rows, query({ cursor: p3.prevCursor ?? undefined }));
    expect(ids(back2.items)).toEqual([uuid(3), uuid(4)]);
    const back1 = fetch(rows, query({ cursor: back2.prevCursor ?? undefined }));
    expect(ids(back1.items)).toEqual([uuid(1), uuid(2)]);
    expect(back1.prevCursor).toBeNull();
    expect(back1.nextCursor).not.toBeNull();
  });

  it("has no next page when the rows fit exactly", () => {
    const page = fetch(rows.slice(0, 2), query());
    expect(ids(page.items)).toHaveLength(2);
    expect(page.nextCursor).toBeNull();
    expect(page.prevCursor).toBeNull();
  });

  it("answers an empty first page with no cursors", () => {
    expect(fetch([], query())).toEqual({ items: [], nextCursor: null, prevCursor: null });
  });

  it("leads back to the row before an empty next page, when the rows after the cursor were deleted", () => {
    const p2 = fetch(rows, query({ cursor: fetch(rows, query()).nextCursor ?? undefined }));
    expect(ids(p2.items)).toEqual([uuid(3), uuid(4)]);
    const remaining = rows.slice(0, 4); // user 5 deleted meanwhile

    const empty = fetch(remaining, query({ cursor: p2.nextCursor ?? undefined }));
    expect(empty.items).toEqual([]);
    expect(empty.nextCursor).toBeNull();
    // A cursor from user 4 towards the previous page would answer users 2 and 3, skipping 4.
    const back = fetch(remaining, query({ cursor: empty.prevCursor ?? undefined }));
    expect(ids(back.items)).toEqual([uuid(3), uuid(4)]);
    expect(back.nextCursor).toBeNull(); // it is the last page now
    const first = fetch(remaining, query({ cursor: back.prevCursor ?? undefined }));
    expect(ids(first.items)).toEqual([uuid(1), uuid(2)]);
    expect(first.prevCursor).toBeNull();
  });

  it("leads on to the row after an empty previous page, when the rows before the cursor were deleted", () => {
    const p2 = fetch(rows, query({ cursor: fetch(rows, query()).nextCursor ?? undefined }));
    const remaining = rows.slice(2); // users 1 and 2 deleted meanwhile

    const empty = fetch(remaining, query({ cursor: p2.prevCursor ?? undefined }));
    expect(empty.items).toEqual([]);
    expect(empty.prevCursor).toBeNull();
    // A cursor from user 3 towards the next page would answer users 4 and 5, skipping 3.
    const on = fetch(remaining, query({ cursor: empty.nextCursor ?? undefined }));
    expect(ids(on.items)).toEqual([uuid(3), uuid(4)]);
    expect(on.prevCursor).toBeNull(); // it is the first page now
    const last = fetch(remaining, query({ cursor: on.nextCursor ?? undefined }));
    expect(ids(last.items)).toEqual([uuid(5)]);
    expect(last.nextCursor).toBeNull();
  });

  it("puts rows fetched backwards (for a previous page) back into the query's order", () => {
    const plan = {
      scanDirection: "desc" as const,
      after: { key: "User 5", id: uuid(5) },
      take: 3,
      towards: "prev" as const,
    };
    const page = toPage([user(4), user(3), user(2)], query(), plan);
    expect(ids(page.items)).toEqual([uuid(3), uuid(4)]);
    expect(page.prevCursor).not.toBeNull();
  });

  it("breaks ties by id in both directions", () => {
    const twins = [3, 1, 2].map((n) => user(n, { name: "Same" }));
    for (const direction of ["asc", "desc"] as const) {
      const q = query({ sort: { field: "name", direction }, limit: 1 });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = fetch(twins, { ...q, cursor });
        seen.push(...ids(page.items));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && seen.length < 10);
      const sorted = [uuid(1), uuid(2), uuid(3)];
      expect(seen).toEqual(direction === "asc" ? sorted : sorted.reverse());
    }
  });
});
