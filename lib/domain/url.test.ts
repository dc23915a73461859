import { describe, expect, it } from "vitest";

import { parseUrl } from "./url";

describe("parseUrl", () => {
  it("parses a URL and refuses what is not one", () => {
    expect(parseUrl("http://example.com/a")?.origin).toBe("http://example.com");
    expect(parseUrl("example.com")).toBeNull();
  });

  it("refuses a host new URL refuses, however often it is asked (Node 20's URL.canParse does not, once optimized)", () => {
    const answers = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      answers.add(String(parseUrl(i % 2 === 0 ? "http://\u00de\u0091" : "http://a.example")?.host ?? null));
    }
    expect([...answers].sort()).toEqual(["a.example", "null"]);
  });
});
