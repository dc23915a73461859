import { describe, expect, it } from "vitest";

import { changesOf, conflictRows, type EditValues } from "./user-edit";

const start: EditValues = { name: "Ada Lovelace", role: "VIEWER", status: "ACTIVE" };

describe("changesOf: the merge patch holds only what the person changed", () => {
  it.each<[string, Partial<EditValues>, Partial<EditValues>]>([
    ["nothing changed", {}, {}],
    ["a renamed user", { name: "Ada King" }, { name: "Ada King" }],
    ["spaces around an unchanged name are no change", { name: "  Ada Lovelace " }, {}],
    ["role and status", { role: "EDITOR", status: "DISABLED" }, { role: "EDITOR", status: "DISABLED" }],
  ])("%s", (_, edits, expected) => {
    expect(changesOf(start, { ...start, ...edits })).toEqual(expected);
  });
});

describe("conflictRows: what a 412 shows", () => {
  it("lists the fields either side changed, with the start, their value and mine", () => {
    const theirs: EditValues = { ...start, name: "Countess of Lovelace" };
    const mine: EditValues = { ...start, role: "EDITOR" };
    expect(conflictRows(start, theirs, mine)).toEqual([
      { field: "name", start: "Ada Lovelace", theirs: "Countess of Lovelace", mine: "Ada Lovelace", clash: false },
      { field: "role", start: "VIEWER", theirs: "VIEWER", mine: "EDITOR", clash: false },
    ]);
  });

  it("marks a field both changed to different values as a clash, and not one both set alike", () => {
    const theirs: EditValues = { ...start, name: "Theirs", status: "DISABLED" };
    const mine: EditValues = { ...start, name: "Mine", status: "DISABLED" };
    expect(conflictRows(start, theirs, mine).map(({ field, clash }) => ({ field, clash }))).toEqual([
      { field: "name", clash: true },
      { field: "status", clash: false },
    ]);
  });
});
