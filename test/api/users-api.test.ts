import { beforeAll, describe, expect, it } from "vitest";

import { createApiHarness, fastTestHasher, manualClock } from "../support/api-harness";
import { describeUsersApi } from "./users-api.suite";

let api: Awaited<ReturnType<typeof createApiHarness>>;
beforeAll(async () => {
  api = await createApiHarness({ hasher: fastTestHasher });
});

describeUsersApi("in memory", () => api);

describe("GET /api/v1/users/stats", () => {
  it("counts signups per day over 90 days (zero days included) and users by status and role, deleted ones out", async () => {
    const clock = manualClock(new Date("2026-06-30T12:00:00.000Z"));
    const stats = await createApiHarness({ hasher: fastTestHasher, clock });
    await stats.createUser({ email: "numbers@example.com", role: "ADMIN", password: "correct horse battery" });
    const cookie = await stats.signIn("numbers@example.com", "correct horse battery");
    const at = (iso: string) => new Date(iso);
    await stats.unitOfWork.run(async ({ users }) => {
      await users.create({ email: "old@example.com", name: "Old", role: "VIEWER", status: "ACTIVE", createdAt: at("2026-04-01T23:59:59.000Z") });
      await users.create({ email: "first@example.com", name: "First", role: "EDITOR", status: "DISABLED", createdAt: at("2026-04-02T00:00:00.000Z") });
      const gone = await users.create({ email: "gone@example.com", name: "Gone", role: "VIEWER", status: "INVITED", createdAt: at("2026-06-29T10:00:00.000Z") });
      await users.softDelete(gone.id);
    });
    const body = await (await stats.call("GET", "/api/v1/users/stats", { cookie })).json();
    expect(body.signupsPerDay).toHaveLength(90);
    expect(body.signupsPerDay[0]).toEqual({ day: "2026-04-02", count: 1 });
    expect(body.signupsPerDay.at(-2)).toEqual({ day: "2026-06-29", count: 1 });
    expect(body.signupsPerDay.at(-1)).toEqual({ day: "2026-06-30", count: 1 }); // the admin, created now
    expect(body.signupsPerDay.reduce((sum: number, entry: { count: number }) => sum + entry.count, 0)).toBe(3);
    expect(body.byStatus).toEqual({ ACTIVE: { count: 2, exact: true }, DISABLED: { count: 1, exact: true }, INVITED: { count: 0, exact: true } });
    expect(body.byRole).toEqual({ ADMIN: { count: 1, exact: true }, EDITOR: { count: 1, exact: true }, VIEWER: { count: 1, exact: true } });
  });
});
