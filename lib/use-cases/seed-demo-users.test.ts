import { describe, expect, it } from "vitest";

import { createInMemoryDatabase } from "../adapters/memory/in-memory-database";
import { DEFAULT_USER_SORT } from "../domain/user-list";
import { demoUsers, makeSeedDemoUsers } from "./seed-demo-users";

describe("demo users", () => {
  it("are the same on every run, so tests and screenshots can rely on them", () => {
    expect(demoUsers(50)).toEqual(demoUsers(50));
  });

  it("have unique lower-case emails, none of them the bootstrap admin's", () => {
    const users = demoUsers();
    expect(users.map((user) => user.email)).not.toContain("admin@example.com");
    const emails = users.map((user) => user.email);
    expect(new Set(emails).size).toBe(users.length);
    for (const email of emails) expect(email).toBe(email.toLowerCase());
  });

  it("vary in role and status, and were created over the year before the anchor date", () => {
    const users = demoUsers();
    expect(new Set(users.map((user) => user.role))).toEqual(new Set(["ADMIN", "EDITOR", "VIEWER"]));
    expect(new Set(users.map((user) => user.status))).toEqual(new Set(["ACTIVE", "INVITED", "DISABLED"]));
    const times = users.map((user) => user.createdAt?.getTime() ?? Number.NaN);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse("2025-11-01T00:00:00Z"));
    expect(Math.max(...times)).toBeLessThanOrEqual(Date.parse("2026-11-01T00:00:00Z"));
    // Spread over the year, not bunched: more than six distinct months.
    expect(new Set(times.map((t) => new Date(t).toISOString().slice(0, 7))).size).toBeGreaterThan(6);
  });
});

describe("seeding", () => {
  it("creates every demo user once, reports progress, and creates nothing when run again", async () => {
    const db = createInMemoryDatabase();
    const seed = makeSeedDemoUsers({ unitOfWork: db.unitOfWork });
    const progress: number[] = [];

    expect(await seed({ count: 120, onProgress: (done) => progress.push(done) })).toBe(120);
    expect(progress).toEqual([50, 100, 120]);
    expect(await seed({ count: 120 })).toBe(0);

    const first = demoUsers(1)[0];
    const page = await db.unitOfWork.run(({ users }) =>
      users.list({ sort: DEFAULT_USER_SORT, limit: 100, search: first?.email }),
    );
    expect(page.items.map((user) => user.email)).toEqual([first?.email]);
  });

  it("skips a demo user that was soft-deleted instead of failing on its reserved email", async () => {
    const db = createInMemoryDatabase();
    const seed = makeSeedDemoUsers({ unitOfWork: db.unitOfWork });
    await seed({ count: 3 });
    await db.unitOfWork.run(async ({ users }) => {
      const first = await users.getByEmail(demoUsers(1)[0]?.email ?? "");
      if (!first) throw new Error("first demo user not seeded");
      await users.softDelete(first.id);
    });

    expect(await seed({ count: 3 })).toBe(0);
  });
});
