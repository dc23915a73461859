import { describe, expect, it } from "vitest";

import { FLAG_KEYS, flagProblems, initialFlag, ldFlagSchema, type LdFlag } from "./feature-flags";

describe("flag definitions", () => {
  it("creates every declared flag valid: on, everyone on its initial variation", () => {
    for (const key of FLAG_KEYS) {
      const flag = initialFlag(key);
      expect(ldFlagSchema.parse(flag)).toEqual(flag);
      expect(flagProblems(key, flag)).toEqual([]);
    }
    expect(initialFlag("ops-read-only-mode")).toMatchObject({ on: true, variations: [true, false], fallthrough: { variation: 1 }, offVariation: 1 });
  });

  const density = initialFlag("users-table-density");
  const cases: [string, LdFlag, string[]][] = [
    [
      "a rollout that does not sum to 100 %",
      { ...density, fallthrough: { rollout: { variations: [{ variation: 0, weight: 50_000 }, { variation: 1, weight: 40_000 }] } } },
      ["fallthrough: rollout weights must sum to 100 % (they sum to 90 %)"],
    ],
    ["variations other than the declared ones", { ...density, variations: ["compact", "spacious"] }, ['variations must be ["compact","comfortable","spacious"]']],
    ["an off variation that does not exist", { ...density, offVariation: 3 }, ["offVariation: there is no variation 3"]],
    [
      "a target and a rule serving no variation",
      {
        ...density,
        targets: [{ values: ["a"], variation: 5 }],
        rules: [{ id: "r", clauses: [{ contextKind: "user", attribute: "role", op: "in", values: ["ADMIN"], negate: false }], variation: 9 }],
      },
      ["targets.0: there is no variation 5", "rules.0: there is no variation 9"],
    ],
    ["another flag's key", { ...density, key: "bulk-import" }, ["key must be users-table-density"]],
  ];
  it.each(cases)("refuses %s, saying what is wrong", (_name, flag, problems) => {
    expect(flagProblems("users-table-density", flag)).toEqual(problems);
  });
});
