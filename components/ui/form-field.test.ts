import { describe, expect, it } from "vitest";

import { describedBy } from "./form-field";

describe("describedBy: what a field's input is described by, for assistive technology", () => {
  it("names the hint, then the error, when both are shown", () => {
    expect(describedBy("f", "At least 12 characters.", "Too short")).toBe("f-hint f-error");
  });

  it("names only what is shown", () => {
    expect(describedBy("f", "At least 12 characters.", undefined)).toBe("f-hint");
    expect(describedBy("f", undefined, "Too short")).toBe("f-error");
    // An empty message is not shown (FieldNotes renders nothing for it), so nothing may point at it.
    expect(describedBy("f", "", "")).toBeUndefined();
  });

  it("leaves the attribute out when there is neither", () => {
    expect(describedBy("f", undefined, undefined)).toBeUndefined();
  });
});
