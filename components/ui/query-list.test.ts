import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";

import { QueryList, type ListQuery } from "./query-list";

function render(query: ListQuery<string>, empty?: string) {
  const children = vi.fn((items: readonly string[]) => createElement("ul", null, items.map((item) => createElement("li", { key: item }, item))));
  // Called as a function: it uses no hooks, and createElement would type a render function as children only as a prop.
  const html = renderToStaticMarkup(QueryList({ query, what: "The tokens", empty, children }));
  return { html, children };
}

describe("QueryList: one list's load, failure, emptiness and items", () => {
  it("shows a skeleton, and not the list, while the query is pending", () => {
    const { html, children } = render({ isPending: true }, "No tokens yet.");
    expect(html).toContain("rt-Skeleton");
    expect(children).not.toHaveBeenCalled();
  });

  it("says what could not be loaded, as an alert, when the query failed", () => {
    const { html, children } = render({ isPending: false, isError: true, error: new Error("offline") }, "No tokens yet.");
    expect(html).toContain('role="alert"');
    expect(html).toContain("The tokens could not be loaded: Something went wrong (offline)");
    expect(children).not.toHaveBeenCalled();
  });

  it("says `empty` instead of an empty list", () => {
    const { html, children } = render({ isPending: false, isError: false, data: { items: [] } }, "No tokens yet.");
    expect(html).toContain("No tokens yet.");
    expect(children).not.toHaveBeenCalled();
  });

  it("hands an empty list to the children when there is no `empty` to say", () => {
    const { html, children } = render({ isPending: false, isError: false, data: { items: [] } });
    expect(children).toHaveBeenCalledWith([]);
    expect(html).toBe("<ul></ul>");
  });

  it("hands the items to the children", () => {
    const { html } = render({ isPending: false, isError: false, data: { items: ["a", "b"] } }, "No tokens yet.");
    expect(html).toBe("<ul><li>a</li><li>b</li></ul>");
  });
});
