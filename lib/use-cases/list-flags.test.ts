import { describe, expect, it } from "vitest";

import { staleness } from "./list-flags";

describe("staleness (30 days, now 2026-11-01T09:00Z: the window starts 2026-10-02T09:00Z, day 2026-10-02)", () => {
  const windowStart = new Date("2026-10-02T09:00:00.000Z");
  const base = { windowStart, since: "2026-10-02", staleDays: 30, unchangedSince: new Date("2026-09-01T00:00:00.000Z") };
  it.each([
    ["evaluated on the window's first day, two variations", { lastEvaluatedOn: "2026-10-02", variations: ["a", "b"] }, null],
    ["last evaluated the day before the window", { lastEvaluatedOn: "2026-10-01", variations: [] }, "not evaluated in 30 days (last on 2026-10-01)"],
    ["never evaluated", { lastEvaluatedOn: null, variations: [] }, "never evaluated, and unchanged for 30 days"],
    ["one variation only in the window", { lastEvaluatedOn: "2026-11-01", variations: ["false"] }, "served only false for 30 days"],
  ] as const)("%s", (_, usage, reason) => {
    expect(staleness({ ...base, ...usage })).toEqual(reason === null ? null : { reason });
  });

  it("is never stale while changed within the window, however it was evaluated", () => {
    const changed = { ...base, unchangedSince: new Date("2026-10-02T09:00:00.001Z") };
    expect(staleness({ ...changed, lastEvaluatedOn: null, variations: [] })).toBeNull();
    expect(staleness({ ...changed, lastEvaluatedOn: "2026-11-01", variations: ["true"] })).toBeNull();
  });
});
