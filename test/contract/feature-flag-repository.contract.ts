/**
 * The FeatureFlagRepository port (local feature flags, issue 9): part of the one database contract
 * (user-repository.contract.ts calls this inside its describe), so in-memory, PGlite and PostgreSQL all run it.
 */
import { beforeEach, expect, it } from "vitest";

import { initialFlag, type LdFlag } from "../../lib/domain/feature-flags";
import type { Repositories, UnitOfWork } from "../../lib/ports/unit-of-work";

export function featureFlagRepositoryContract(currentUnitOfWork: () => UnitOfWork): void {
  let unitOfWork: UnitOfWork;
  beforeEach(() => {
    unitOfWork = currentUnitOfWork();
  });
  const inUnit = <T>(work: (repos: Repositories) => Promise<T>) => unitOfWork.run(work);
  const flagsOf = async () => (await inUnit(({ flags }) => flags.list())).map((stored) => stored.flag);

  it("flags: stores the missing flags and keeps the stored ones as they are, listed by key", async () => {
    const readOnly = initialFlag("ops-read-only-mode");
    expect(await inUnit(({ flags }) => flags.createMissing([readOnly]))).toEqual([readOnly]);
    const changed: LdFlag = { ...readOnly, on: false };
    expect(await inUnit(({ flags }) => flags.replace(changed, 1))).toMatchObject({ flag: { ...changed, version: 2 } });
    // Only what it stored comes back: the caller audits those as created.
    expect(await inUnit(({ flags }) => flags.createMissing([initialFlag("bulk-import"), readOnly]))).toEqual([initialFlag("bulk-import")]);
    expect(await flagsOf()).toEqual([initialFlag("bulk-import"), { ...changed, version: 2 }]);
    expect(await inUnit(({ flags }) => flags.get("no-such-flag"))).toBeNull();
    const stored = await inUnit(({ flags }) => flags.get("bulk-import"));
    expect(stored?.flag).toEqual(initialFlag("bulk-import"));
    expect(stored?.updatedAt).toBeInstanceOf(Date);
  });

  it("flags: replaces a flag only from its current version, and numbers the next version itself", async () => {
    const density = initialFlag("users-table-density");
    await inUnit(({ flags }) => flags.createMissing([density]));
    const rollout: LdFlag = {
      ...density,
      version: 99, // ignored: the store numbers versions
      fallthrough: { rollout: { variations: [{ variation: 0, weight: 40_000 }, { variation: 2, weight: 60_000 }] } },
      rules: [{ id: "r1", clauses: [{ contextKind: "user", attribute: "role", op: "in", values: ["ADMIN"], negate: false }], variation: 1 }],
    };
    expect((await inUnit(({ flags }) => flags.replace(rollout, 1)))?.flag).toEqual({ ...rollout, version: 2 });
    // A second change made from version 1 (a stale If-Match) finds nothing to replace.
    expect(await inUnit(({ flags }) => flags.replace({ ...density, on: false }, 1))).toBeNull();
    expect(await inUnit(({ flags }) => flags.replace({ ...initialFlag("bulk-import") }, 1))).toBeNull(); // not stored
    expect(await flagsOf()).toEqual([{ ...rollout, version: 2 }]);
    // A change rolled back with its unit leaves the flag as it was.
    await expect(
      inUnit(async ({ flags }) => {
        await flags.replace({ ...density, on: false }, 2);
        throw new Error("refused after the change");
      }),
    ).rejects.toThrow("refused after the change");
    expect(await flagsOf()).toEqual([{ ...rollout, version: 2 }]);
  });

  it("flags: adds evaluation counts per flag, day and variation, and reads them back from a day on", async () => {
    await inUnit(({ flags }) =>
      flags.addEvaluationCounts([
        { flag: "bulk-import", day: "2026-11-01", variation: "true", count: 3 },
        { flag: "bulk-import", day: "2026-11-02", variation: "false", count: 1 },
        { flag: "users-table-density", day: "2026-11-02", variation: "compact", count: 5 },
      ]),
    );
    // Another replica's flush of the same day and variation adds to it.
    await inUnit(({ flags }) => flags.addEvaluationCounts([{ flag: "bulk-import", day: "2026-11-02", variation: "false", count: 2 }]));
    await inUnit(({ flags }) => flags.addEvaluationCounts([]));
    expect(await inUnit(({ flags }) => flags.evaluationCountsSince("2026-11-02"))).toEqual([
      { flag: "bulk-import", day: "2026-11-02", variation: "false", count: 3 },
      { flag: "users-table-density", day: "2026-11-02", variation: "compact", count: 5 },
    ]);
    expect(await inUnit(({ flags }) => flags.lastEvaluationDays())).toEqual(
      new Map([
        ["bulk-import", "2026-11-02"],
        ["users-table-density", "2026-11-02"],
      ]),
    );
  });
}
