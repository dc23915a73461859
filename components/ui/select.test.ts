import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { Select } from "./select";

const OPTIONS = [
  { value: "0", label: "compact" },
  { value: "1", label: "spacious" },
] as const;

function render(value: string, missingLabel?: string) {
  return renderToStaticMarkup(
    createElement(Select<string>, { value, options: OPTIONS, onValueChange: () => {}, missingLabel, "aria-label": "Serve" }),
  );
}

describe("Select: the browser's <select>, typed by its options", () => {
  it("shows the chosen option as selected, and no other", () => {
    const html = render("1");
    expect(html).toContain('<option value="1" selected="">spacious</option>');
    expect(html).not.toMatch(/<option[^>]*hidden/);
    expect(html).toContain('aria-label="Serve"');
  });

  it("shows a value none of its options has as itself, chosen but not choosable, rather than as the first option", () => {
    const html = render("7", "variation 7 (missing)");
    expect(html).toContain('<option value="7" disabled="" hidden="" selected="">variation 7 (missing)</option>');
    expect(html).toContain('<option value="0">compact</option>');
  });
});
